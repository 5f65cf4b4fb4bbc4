CREATE TABLE `code_engine_packages` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text,
	`language` text NOT NULL,
	`environment` text NOT NULL,
	`owner_id` integer NOT NULL,
	`created_on` integer NOT NULL,
	`created_by` integer NOT NULL,
	`updated_on` integer NOT NULL,
	`updated_by` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `code_engine_versions` (
	`package_id` text NOT NULL,
	`version` text NOT NULL,
	`description` text,
	`code` text NOT NULL,
	`functions` text NOT NULL,
	`configuration` text NOT NULL,
	`created_on` integer NOT NULL,
	`created_by` integer NOT NULL,
	`updated_on` integer NOT NULL,
	`updated_by` integer NOT NULL,
	`released_on` integer,
	`released_by` integer,
	PRIMARY KEY(`package_id`, `version`),
	FOREIGN KEY (`package_id`) REFERENCES `code_engine_packages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `code_engine_executions` ADD `error_information` text;--> statement-breakpoint
ALTER TABLE `code_engine_executions` ADD `stdout` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `code_engine_executions` ADD `stderr` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
CREATE INDEX `code_engine_executions_function` ON `code_engine_executions` (`package_id`,`version`,`function_name`);