ALTER TABLE `stream_executions` ADD `state` text DEFAULT 'SUCCESS' NOT NULL;--> statement-breakpoint
ALTER TABLE `stream_executions` ADD `peak_bytes` integer;