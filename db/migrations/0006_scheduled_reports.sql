CREATE TABLE `report_history` (
	`id` integer PRIMARY KEY NOT NULL,
	`schedule_id` integer NOT NULL,
	`kind` text NOT NULL,
	`report_title` text NOT NULL,
	`report_subject` text NOT NULL,
	`owner_id` integer NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`resource_name` text NOT NULL,
	`start_time` integer NOT NULL,
	`end_time` integer,
	`automated` integer DEFAULT false NOT NULL,
	`card_count` integer DEFAULT 0 NOT NULL,
	`attachment_count` integer DEFAULT 0 NOT NULL,
	`attachment_size` integer DEFAULT 0 NOT NULL,
	`email_size` integer DEFAULT 0 NOT NULL,
	`status` text NOT NULL,
	`message` text,
	`targets` text NOT NULL,
	`recipients` text NOT NULL,
	`email_params` text
);
--> statement-breakpoint
CREATE INDEX `report_history_schedule_idx` ON `report_history` (`schedule_id`);--> statement-breakpoint
CREATE INDEX `report_history_status_idx` ON `report_history` (`status`);--> statement-breakpoint
CREATE TABLE `report_schedules` (
	`id` integer PRIMARY KEY NOT NULL,
	`report_view_id` integer NOT NULL,
	`embed_view_id` integer NOT NULL,
	`page_id` integer,
	`card_id` integer,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`resource_name` text NOT NULL,
	`view_name` text NOT NULL,
	`card_count` integer DEFAULT 0 NOT NULL,
	`title` text NOT NULL,
	`type` text DEFAULT 'RECURRING' NOT NULL,
	`owner_id` integer NOT NULL,
	`frequency` text NOT NULL,
	`days_to_run` text DEFAULT '' NOT NULL,
	`hour_of_day` integer DEFAULT 0 NOT NULL,
	`min_of_hour` integer DEFAULT 0 NOT NULL,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`attachment_include` integer DEFAULT false NOT NULL,
	`recipients` text NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `report_schedules_report_view_id_unique` ON `report_schedules` (`report_view_id`);--> statement-breakpoint
CREATE INDEX `report_schedules_page_idx` ON `report_schedules` (`page_id`);--> statement-breakpoint
CREATE INDEX `report_schedules_resource_idx` ON `report_schedules` (`resource_type`,`resource_id`);--> statement-breakpoint
CREATE TABLE `report_settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `report_unsubscribes` (
	`schedule_id` integer NOT NULL,
	`email` text NOT NULL,
	`user_id` integer,
	`at` integer NOT NULL,
	PRIMARY KEY(`schedule_id`, `email`)
);
