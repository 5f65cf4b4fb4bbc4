ALTER TABLE `alerts` ADD `last_state` text;--> statement-breakpoint
ALTER TABLE `alerts` ADD `last_checked_at` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `last_triggered_at` integer;--> statement-breakpoint
ALTER TABLE `alerts` ADD `last_error` text;