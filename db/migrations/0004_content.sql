CREATE TABLE `alert_subscriptions` (
	`alert_id` integer NOT NULL,
	`subscriber_id` integer NOT NULL,
	`type` text NOT NULL,
	`created` integer NOT NULL,
	PRIMARY KEY(`alert_id`, `subscriber_id`, `type`),
	FOREIGN KEY (`alert_id`) REFERENCES `alerts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_subscriptions_subscriber_idx` ON `alert_subscriptions` (`subscriber_id`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`type` text NOT NULL,
	`category` text NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`rule` text DEFAULT '' NOT NULL,
	`trigger_frequency` text DEFAULT 'Rarely' NOT NULL,
	`owner` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`triggered` integer DEFAULT false NOT NULL,
	`suggested` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` integer NOT NULL,
	`modified_at` integer NOT NULL,
	`modified_by` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_resource_idx` ON `alerts` (`resource_type`,`resource_id`);--> statement-breakpoint
CREATE TABLE `beast_mode_links` (
	`beast_mode_id` integer NOT NULL,
	`resource_type` text NOT NULL,
	`resource_id` text NOT NULL,
	`visible` integer DEFAULT true NOT NULL,
	`active` integer DEFAULT false NOT NULL,
	PRIMARY KEY(`beast_mode_id`, `resource_type`, `resource_id`),
	FOREIGN KEY (`beast_mode_id`) REFERENCES `beast_modes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `beast_mode_links_resource_idx` ON `beast_mode_links` (`resource_type`,`resource_id`);--> statement-breakpoint
CREATE TABLE `beast_modes` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`owner` integer NOT NULL,
	`expression` text NOT NULL,
	`locked` integer DEFAULT false NOT NULL,
	`global` integer DEFAULT false NOT NULL,
	`legacy_id` text NOT NULL,
	`data_type` text DEFAULT 'DECIMAL' NOT NULL,
	`cache_window` text DEFAULT 'day' NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`variable` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`last_modified` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `certifications` (
	`entity_type` text NOT NULL,
	`entity_id` text NOT NULL,
	`state` text NOT NULL,
	`certified_by` integer NOT NULL,
	`updated` integer NOT NULL,
	PRIMARY KEY(`entity_type`, `entity_id`)
);
--> statement-breakpoint
CREATE TABLE `page_access` (
	`page_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`granted` integer NOT NULL,
	PRIMARY KEY(`page_id`, `user_id`),
	FOREIGN KEY (`page_id`) REFERENCES `pages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `page_access_user_idx` ON `page_access` (`user_id`);--> statement-breakpoint
CREATE TABLE `page_cards` (
	`page_id` integer NOT NULL,
	`card_id` integer NOT NULL,
	`position` integer NOT NULL,
	PRIMARY KEY(`page_id`, `card_id`),
	FOREIGN KEY (`page_id`) REFERENCES `pages`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `page_cards_card_idx` ON `page_cards` (`card_id`);--> statement-breakpoint
CREATE TABLE `pages` (
	`id` integer PRIMARY KEY NOT NULL,
	`parent_id` integer,
	`title` text NOT NULL,
	`owner_id` integer NOT NULL,
	`locked` integer DEFAULT false NOT NULL,
	`mobile_enabled` integer DEFAULT true NOT NULL,
	`shared_view_page` integer DEFAULT true NOT NULL,
	`virtual_page` integer DEFAULT false NOT NULL,
	`has_layout` integer DEFAULT true NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `pages_parent_idx` ON `pages` (`parent_id`);