ALTER TABLE `workflow_instances` ADD `status` text;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `current_step` text;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `variables` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `outputs` text;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `error_information` text;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `task_id` text;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `instance_key` text;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `updated_on` integer;--> statement-breakpoint
ALTER TABLE `workflow_instances` ADD `updated_by` integer;