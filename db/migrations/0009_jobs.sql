CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`due` integer NOT NULL,
	`payload` text NOT NULL,
	`state` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`key` text,
	`created` integer NOT NULL,
	`finished` integer
);
--> statement-breakpoint
CREATE INDEX `jobs_pending_idx` ON `jobs` (`state`,`due`);--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_pending_key_idx` ON `jobs` (`key`) WHERE state = 'pending';