CREATE TABLE `gateway_secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `video_files` (
	`job_id` integer PRIMARY KEY NOT NULL,
	`sha256` text,
	`size_bytes` integer,
	`mirrored_at` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`gave_up_at` integer,
	`deleted_at` integer,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `video_files_mirrored_idx` ON `video_files` (`mirrored_at`);--> statement-breakpoint
-- Jobs completed before copies were kept: their Segmind URLs may have expired, so no download is owed for them.
INSERT INTO `video_files` (`job_id`, `attempts`, `last_error`, `gave_up_at`) SELECT `id`, 0, 'completed before the gateway kept copies of videos', `updated_at` FROM `jobs` WHERE `status` = 'COMPLETED';
