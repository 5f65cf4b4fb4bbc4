CREATE TABLE `group_owners` (
	`group_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	PRIMARY KEY(`group_id`, `user_id`),
	FOREIGN KEY (`group_id`) REFERENCES `groups`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `dataset_pdp` (
	`dataset_seq` integer PRIMARY KEY NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`external` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `pdp_policies` (
	`id` integer NOT NULL,
	`dataset_seq` integer NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`user_ids` text NOT NULL,
	`virtual_user_ids` text NOT NULL,
	`group_ids` text NOT NULL,
	`parameters` text NOT NULL,
	`data_source_permissions` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL,
	PRIMARY KEY(`dataset_seq`, `id`),
	FOREIGN KEY (`dataset_seq`) REFERENCES `datasets`(`seq`) ON UPDATE no action ON DELETE cascade
);
