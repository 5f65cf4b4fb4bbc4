CREATE TABLE `amplifier_integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`auth_method` text NOT NULL,
	`owner_id` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `federated_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`name` text NOT NULL,
	`owner_id` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `federated_datasources` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`catalog_name` text NOT NULL,
	`schema_name` text,
	`table_name` text NOT NULL,
	`stage` text NOT NULL,
	`account_id` text,
	`integration_id` text,
	`v2_migrated_at` integer,
	`amplifier_migrated_at` integer
);
--> statement-breakpoint
CREATE INDEX `federated_datasources_type_idx` ON `federated_datasources` (`type`);--> statement-breakpoint
CREATE TABLE `migration_runs` (
	`toe` text PRIMARY KEY NOT NULL,
	`datasource_id` text NOT NULL,
	`direction` text NOT NULL,
	`state` text NOT NULL,
	`error_message` text,
	`start_time` integer NOT NULL,
	`end_time` integer NOT NULL,
	`user_id` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `executor_applications` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`owner_id` integer NOT NULL,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `executor_jobs` (
	`job_id` text PRIMARY KEY NOT NULL,
	`application_id` text NOT NULL,
	`job` text NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL,
	`modified_by` integer NOT NULL,
	FOREIGN KEY (`application_id`) REFERENCES `executor_applications`(`id`) ON UPDATE no action ON DELETE cascade
);
