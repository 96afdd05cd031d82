CREATE TABLE `job_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job_id` integer NOT NULL,
	`version` integer NOT NULL,
	`status` text NOT NULL,
	`at` integer NOT NULL,
	`message` text,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `job_events_job_idx` ON `job_events` (`job_id`,`version`);--> statement-breakpoint
CREATE TABLE `job_payloads` (
	`job_id` integer PRIMARY KEY NOT NULL,
	`image` text NOT NULL,
	`audio` text,
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`status` text NOT NULL,
	`version` integer NOT NULL,
	`prompt` text NOT NULL,
	`image` text NOT NULL,
	`audio` text,
	`duration` integer NOT NULL,
	`resolution` text NOT NULL,
	`multi_shots` integer NOT NULL,
	`negative_prompt` text NOT NULL,
	`enable_prompt_expansion` integer NOT NULL,
	`seed` integer,
	`idempotency_key` text,
	`input_fingerprint` text NOT NULL,
	`submit_started_at` integer,
	`upstream_request_id` text,
	`video_url` text,
	`error_code` text,
	`error_message` text,
	`cost` real,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`submitted_at` integer,
	`started_at` integer,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_idempotency_key_unique` ON `jobs` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `jobs_status_idx` ON `jobs` (`status`,`id`);