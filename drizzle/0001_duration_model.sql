ALTER TABLE `jobs` ADD `expected_duration_ms` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `upstream_duration_ms` integer;--> statement-breakpoint
CREATE INDEX `jobs_learning_idx` ON `jobs` (`duration`,`resolution`,`id`) WHERE "jobs"."upstream_duration_ms" is not null;