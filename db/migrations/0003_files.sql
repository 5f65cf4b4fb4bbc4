CREATE TABLE `data_file_permissions` (
	`data_file_id` integer NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`grant` text NOT NULL,
	`pass` text NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`data_file_id`, `entity_type`, `entity_id`),
	FOREIGN KEY (`data_file_id`) REFERENCES `data_files`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `data_file_revisions` (
	`id` integer PRIMARY KEY NOT NULL,
	`data_file_id` integer NOT NULL,
	`blob_sha256` text NOT NULL,
	`content_type` text NOT NULL,
	`file_name` text,
	`upload_user_id` integer NOT NULL,
	`uploaded` integer NOT NULL,
	`upload_time_millis` integer NOT NULL,
	`scan_state` text DEFAULT 'SAFE' NOT NULL,
	FOREIGN KEY (`data_file_id`) REFERENCES `data_files`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`blob_sha256`) REFERENCES `file_blobs`(`sha256`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `data_file_revisions_file_idx` ON `data_file_revisions` (`data_file_id`);--> statement-breakpoint
CREATE INDEX `data_file_revisions_blob_idx` ON `data_file_revisions` (`blob_sha256`);--> statement-breakpoint
CREATE TABLE `data_files` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`responsible_user_id` integer NOT NULL,
	`public_access` integer NOT NULL,
	`current_revision_id` integer,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `data_files_owner_idx` ON `data_files` (`responsible_user_id`);--> statement-breakpoint
CREATE TABLE `file_blobs` (
	`sha256` text PRIMARY KEY NOT NULL,
	`md5` text NOT NULL,
	`size` integer NOT NULL,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `fileset_files` (
	`id` text PRIMARY KEY NOT NULL,
	`fileset_id` text NOT NULL,
	`path` text NOT NULL,
	`name` text NOT NULL,
	`directory` text NOT NULL,
	`content_type` text NOT NULL,
	`file_type` text NOT NULL,
	`size` integer NOT NULL,
	`blob_sha256` text NOT NULL,
	`created` integer NOT NULL,
	`created_by` integer NOT NULL,
	`doc_length` real DEFAULT 0 NOT NULL,
	FOREIGN KEY (`fileset_id`) REFERENCES `filesets`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`blob_sha256`) REFERENCES `file_blobs`(`sha256`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `fileset_files_path_uq` ON `fileset_files` (`fileset_id`,`path`);--> statement-breakpoint
CREATE INDEX `fileset_files_dir_idx` ON `fileset_files` (`fileset_id`,`directory`);--> statement-breakpoint
CREATE INDEX `fileset_files_blob_idx` ON `fileset_files` (`blob_sha256`);--> statement-breakpoint
CREATE TABLE `fileset_postings` (
	`fileset_id` text NOT NULL,
	`term` text NOT NULL,
	`file_id` text NOT NULL,
	`tf` real NOT NULL,
	PRIMARY KEY(`fileset_id`, `term`, `file_id`),
	FOREIGN KEY (`file_id`) REFERENCES `fileset_files`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `fileset_postings_file_idx` ON `fileset_postings` (`file_id`);--> statement-breakpoint
CREATE TABLE `filesets` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`ai_enabled` integer DEFAULT true NOT NULL,
	`batch_type` text DEFAULT 'INCREMENTAL' NOT NULL,
	`connector` text DEFAULT 'DOMO' NOT NULL,
	`account_id` integer,
	`connector_context` text,
	`created` integer NOT NULL,
	`created_by` integer NOT NULL,
	`updated` integer NOT NULL,
	`updated_by` integer NOT NULL,
	`owner` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `filesets_name_idx` ON `filesets` (`name`);