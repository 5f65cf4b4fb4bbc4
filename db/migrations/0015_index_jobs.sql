ALTER TABLE `dataset_indexes` ADD `statuses` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `dataset_indexes` ADD `completed_at` integer;