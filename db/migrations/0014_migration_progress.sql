ALTER TABLE `migration_runs` ADD `progress` integer DEFAULT 100 NOT NULL;--> statement-breakpoint
ALTER TABLE `migration_runs` ADD `target` text;