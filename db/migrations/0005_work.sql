CREATE TABLE `task_queues` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`active` integer DEFAULT true NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`task_level_filters_enabled` integer DEFAULT false NOT NULL,
	`task_level_filters` text,
	`owner` integer NOT NULL,
	`created_by` integer NOT NULL,
	`created_on` integer NOT NULL,
	`updated_by` integer NOT NULL,
	`updated_on` integer NOT NULL,
	`permissions` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`queue_id` text NOT NULL,
	`status` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`created_on` integer NOT NULL,
	`created_by` integer NOT NULL,
	`updated_on` integer NOT NULL,
	`updated_by` integer NOT NULL,
	`completed_on` integer,
	`completed_by` integer,
	`assigned_on` integer,
	`assigned_by` integer,
	`assigned_to` integer,
	`assignee_type` text DEFAULT 'USER' NOT NULL,
	`locked_on` integer,
	`locked_by` integer,
	`display_type` text NOT NULL,
	`display_id` text,
	`detail` text NOT NULL,
	`input_variables` text NOT NULL,
	`output_variables` text NOT NULL,
	FOREIGN KEY (`queue_id`) REFERENCES `task_queues`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `tasks_queue_idx` ON `tasks` (`queue_id`);--> statement-breakpoint
CREATE TABLE `workflow_instances` (
	`id` text PRIMARY KEY NOT NULL,
	`model_id` text NOT NULL,
	`model_version` text NOT NULL,
	`message_name` text NOT NULL,
	`data` text NOT NULL,
	`created_by` integer NOT NULL,
	`created_on` integer NOT NULL,
	`canceled_on` integer,
	`canceled_by` integer,
	FOREIGN KEY (`model_id`) REFERENCES `workflow_models`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `workflow_instances_model_idx` ON `workflow_instances` (`model_id`);--> statement-breakpoint
CREATE TABLE `workflow_models` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`owner` integer NOT NULL,
	`versions` text NOT NULL,
	`permissions` text NOT NULL,
	`updated_on` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `code_engine_executions` (
	`id` text PRIMARY KEY NOT NULL,
	`package_id` text NOT NULL,
	`version` text NOT NULL,
	`function_name` text NOT NULL,
	`status` text NOT NULL,
	`started_by` integer NOT NULL,
	`started_on` integer NOT NULL,
	`completed_on` integer NOT NULL,
	`input_variables` text NOT NULL,
	`result` text
);
--> statement-breakpoint
CREATE TABLE `activity_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`time` integer NOT NULL,
	`user_id` integer NOT NULL,
	`user_name` text NOT NULL,
	`user_type` text DEFAULT 'USER' NOT NULL,
	`action_type` text NOT NULL,
	`object_type` text NOT NULL,
	`object_id` text,
	`object_name` text,
	`additional_comment` text NOT NULL,
	`event_text` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `activity_log_time_idx` ON `activity_log` (`time`);