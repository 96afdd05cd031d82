CREATE TABLE `api_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`secret_hash` text NOT NULL,
	`owner` text NOT NULL,
	`scopes` text NOT NULL,
	`name` text,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_secret_hash_unique` ON `api_tokens` (`secret_hash`);--> statement-breakpoint
CREATE TABLE `owner_limits` (
	`owner` text PRIMARY KEY NOT NULL,
	`max_active_jobs` integer,
	`jobs_per_minute` integer,
	`daily_spend_usd` real
);
--> statement-breakpoint
DROP INDEX `jobs_idempotency_key_unique`;--> statement-breakpoint
ALTER TABLE `jobs` ADD `owner` text DEFAULT 'local' NOT NULL;--> statement-breakpoint
CREATE INDEX `jobs_owner_idx` ON `jobs` (`owner`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_owner_status_idx` ON `jobs` (`owner`,`status`);--> statement-breakpoint
CREATE INDEX `jobs_owner_created_idx` ON `jobs` (`owner`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_owner_idempotency_key_idx` ON `jobs` (`owner`,`idempotency_key`);