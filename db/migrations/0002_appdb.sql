CREATE TABLE `appdb_array_paths` (
	`collection_key` integer NOT NULL,
	`path` text NOT NULL,
	PRIMARY KEY(`collection_key`, `path`),
	FOREIGN KEY (`collection_key`) REFERENCES `appdb_collections`(`key`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `appdb_collections` (
	`key` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`datastore_id` text NOT NULL,
	`name` text NOT NULL,
	`owner` integer NOT NULL,
	`schema_json` text NOT NULL,
	`filters_json` text,
	`sync_enabled` integer DEFAULT false NOT NULL,
	`sync_required` integer DEFAULT true NOT NULL,
	`full_replace_required` integer DEFAULT true NOT NULL,
	`exportable` integer DEFAULT true NOT NULL,
	`last_sync` integer DEFAULT 86400000 NOT NULL,
	`datasource_id` text,
	`datasource_columns` text,
	`permissions_set` integer DEFAULT false NOT NULL,
	`created_on` integer NOT NULL,
	`updated_on` integer NOT NULL,
	`updated_by` integer NOT NULL,
	FOREIGN KEY (`datastore_id`) REFERENCES `appdb_datastores`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `appdb_collections_id_unique` ON `appdb_collections` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `appdb_collections_name_unique` ON `appdb_collections` (`name`);--> statement-breakpoint
CREATE TABLE `appdb_datastores` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_on` integer NOT NULL,
	`last_scheduled_export` integer NOT NULL,
	`export_started_at` integer
);
--> statement-breakpoint
CREATE TABLE `appdb_documents` (
	`seq` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`collection_key` integer NOT NULL,
	`owner` integer NOT NULL,
	`created_on` text NOT NULL,
	`updated_on` text NOT NULL,
	`updated_by` integer NOT NULL,
	`sync_required` integer DEFAULT true NOT NULL,
	`content` blob NOT NULL,
	FOREIGN KEY (`collection_key`) REFERENCES `appdb_collections`(`key`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `appdb_documents_id_unique` ON `appdb_documents` (`id`);--> statement-breakpoint
CREATE INDEX `appdb_documents_collection_idx` ON `appdb_documents` (`collection_key`);--> statement-breakpoint
CREATE TABLE `appdb_permissions` (
	`collection_key` integer NOT NULL,
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`permissions` text NOT NULL,
	PRIMARY KEY(`collection_key`, `entity_type`, `entity_id`),
	FOREIGN KEY (`collection_key`) REFERENCES `appdb_collections`(`key`) ON UPDATE no action ON DELETE cascade
);
