CREATE TABLE `dataflow_executions` (
	`id` integer PRIMARY KEY NOT NULL,
	`dataflow_id` integer NOT NULL,
	`dap_id` text NOT NULL,
	`state` text NOT NULL,
	`activation_type` text NOT NULL,
	`started_by` integer,
	`dataflow_version` integer NOT NULL,
	`begin_time` integer NOT NULL,
	`end_time` integer,
	`last_updated` integer NOT NULL,
	`total_rows_read` integer DEFAULT 0 NOT NULL,
	`total_bytes_read` integer DEFAULT 0 NOT NULL,
	`total_rows_written` integer DEFAULT 0 NOT NULL,
	`total_bytes_written` integer DEFAULT 0 NOT NULL,
	`action_results` text NOT NULL,
	`written` text NOT NULL,
	`errors` text NOT NULL,
	FOREIGN KEY (`dataflow_id`) REFERENCES `dataflows`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `dataflow_executions_flow_idx` ON `dataflow_executions` (`dataflow_id`,`id`);--> statement-breakpoint
CREATE TABLE `dataflows` (
	`id` integer PRIMARY KEY NOT NULL,
	`dap_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`owner_id` integer NOT NULL,
	`database_type` text NOT NULL,
	`run_state` text DEFAULT 'ENABLED' NOT NULL,
	`inputs` text NOT NULL,
	`outputs` text NOT NULL,
	`actions` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`invalid_reason` text,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dataflows_owner_idx` ON `dataflows` (`owner_id`);