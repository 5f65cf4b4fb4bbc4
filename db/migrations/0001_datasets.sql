CREATE TABLE `dataset_indexes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_seq` integer NOT NULL,
	`data_ids` text NOT NULL,
	`requested_by` integer NOT NULL,
	`started` integer NOT NULL,
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dataset_indexes_dataset_idx` ON `dataset_indexes` (`dataset_seq`);--> statement-breakpoint
CREATE TABLE `dataset_partitions` (
	`dataset_seq` integer NOT NULL,
	`tag` text NOT NULL,
	`created` integer NOT NULL,
	PRIMARY KEY(`dataset_seq`, `tag`),
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `dataset_permissions` (
	`dataset_seq` integer NOT NULL,
	`principal_type` text NOT NULL,
	`principal_id` integer NOT NULL,
	`access_level` text NOT NULL,
	`created` integer NOT NULL,
	PRIMARY KEY(`dataset_seq`, `principal_type`, `principal_id`),
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `dataset_schemas` (
	`dataset_seq` integer NOT NULL,
	`schema_id` integer NOT NULL,
	`columns` text NOT NULL,
	`created` integer NOT NULL,
	PRIMARY KEY(`dataset_seq`, `schema_id`),
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `dataset_upload_parts` (
	`upload_id` integer NOT NULL,
	`part` integer NOT NULL,
	`table_name` text NOT NULL,
	`num_rows` integer NOT NULL,
	`num_bytes` integer NOT NULL,
	`received` integer NOT NULL,
	PRIMARY KEY(`upload_id`, `part`),
	FOREIGN KEY (`upload_id`) REFERENCES `dataset_uploads`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `dataset_uploads` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`dataset_seq` integer NOT NULL,
	`tag` text,
	`action` text,
	`append_id` text,
	`message` text,
	`schema_id` integer NOT NULL,
	`state` text NOT NULL,
	`created_by` integer NOT NULL,
	`created` integer NOT NULL,
	`committed` integer,
	`data_id` integer,
	`next_attempt` integer DEFAULT 1 NOT NULL,
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dataset_uploads_dataset_idx` ON `dataset_uploads` (`dataset_seq`);--> statement-breakpoint
CREATE TABLE `dataset_versions` (
	`dataset_seq` integer NOT NULL,
	`data_id` integer NOT NULL,
	`schema_id` integer NOT NULL,
	`upload_id` integer,
	`action` text NOT NULL,
	`tag` text,
	`source` text NOT NULL,
	`num_rows` integer NOT NULL,
	`num_bytes` integer NOT NULL,
	`table_name` text,
	`recorded` integer NOT NULL,
	`completed` integer NOT NULL,
	`indexed_at` integer,
	`index_id` integer,
	`deleted` integer DEFAULT false NOT NULL,
	`deleted_at` integer,
	PRIMARY KEY(`dataset_seq`, `data_id`),
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dataset_versions_tag_idx` ON `dataset_versions` (`dataset_seq`,`tag`);--> statement-breakpoint
CREATE TABLE `datasets` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`owner_id` integer NOT NULL,
	`data_provider_type` text NOT NULL,
	`display_type` text NOT NULL,
	`transport_type` text NOT NULL,
	`stream_id` integer NOT NULL,
	`schema_id` integer NOT NULL,
	`columns` text NOT NULL,
	`tags` text NOT NULL,
	`properties` text NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`next_data_id` integer DEFAULT 1 NOT NULL,
	`view_sig` text DEFAULT '' NOT NULL,
	`created` integer NOT NULL,
	`last_updated` integer NOT NULL,
	`last_touched` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `datasets_id_idx` ON `datasets` (`id`);--> statement-breakpoint
CREATE INDEX `datasets_owner_idx` ON `datasets` (`owner_id`);--> statement-breakpoint
CREATE TABLE `stream_executions` (
	`stream_id` integer NOT NULL,
	`execution_id` integer NOT NULL,
	`run_type` text NOT NULL,
	`update_method` text NOT NULL,
	`started_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`started_by` integer,
	`final_state` text NOT NULL,
	`rows_inserted` integer NOT NULL,
	`bytes_inserted` integer NOT NULL,
	`data_id` integer,
	`upload_id` integer,
	`toe` text NOT NULL,
	`errors` text NOT NULL,
	PRIMARY KEY(`stream_id`, `execution_id`),
	FOREIGN KEY (`stream_id`) REFERENCES `streams`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `streams` (
	`id` integer PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`transport` text NOT NULL,
	`configuration` text NOT NULL,
	`account_id` integer,
	`update_method` text NOT NULL,
	`data_provider_key` text NOT NULL,
	`advanced_schedule_json` text,
	`source_csv` text,
	`created_at` integer NOT NULL,
	`created_by` integer NOT NULL,
	`modified_at` integer NOT NULL,
	`modified_by` integer NOT NULL,
	`next_execution_id` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `streams_dataset_idx` ON `streams` (`dataset_id`);--> statement-breakpoint
CREATE TABLE `accounts` (
	`id` integer PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`account_type` text NOT NULL,
	`data_provider_type` text NOT NULL,
	`status` text NOT NULL,
	`owner_id` integer NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `dataset_exports` (
	`export_id` text PRIMARY KEY NOT NULL,
	`dataset_id` text NOT NULL,
	`bucket` text NOT NULL,
	`path` text NOT NULL,
	`region` text NOT NULL,
	`include_bom` integer NOT NULL,
	`columns` text NOT NULL,
	`request_sig` text NOT NULL,
	`data_sig` text NOT NULL,
	`row_count` integer NOT NULL,
	`file_path` text NOT NULL,
	`created_by` integer NOT NULL,
	`started` integer NOT NULL,
	`finishes` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dataset_exports_dataset_idx` ON `dataset_exports` (`dataset_id`,`started`);--> statement-breakpoint
CREATE TABLE `cards` (
	`id` integer PRIMARY KEY NOT NULL,
	`title` text NOT NULL,
	`type` text NOT NULL,
	`chart_type` text NOT NULL,
	`owner_id` integer NOT NULL,
	`datasource_id` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`view_count` integer DEFAULT 0 NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cards_datasource_idx` ON `cards` (`datasource_id`);