CREATE TABLE `ocpi_clients` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`token_a_hash` text,
	`token_c_hash` text,
	`their_token` text,
	`version` text,
	`versions_url` text,
	`token_encoding` text,
	`parties` text,
	`locations_url` text,
	`tariffs_url` text,
	`created_at` text NOT NULL,
	`registered_at` text,
	`revoked_at` text,
	`failures` integer DEFAULT 0 NOT NULL,
	`retry_at` text,
	`last_error` text,
	`delivered_at` text
);
--> statement-breakpoint
CREATE TABLE `ocpi_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_id` text NOT NULL,
	`kind` text NOT NULL,
	`object_pk` text NOT NULL,
	`evse_pk` text,
	`status` text,
	`occurred_at` text
);
--> statement-breakpoint
CREATE INDEX `ocpi_outbox_client` ON `ocpi_outbox` (`client_id`,`id`);--> statement-breakpoint
CREATE INDEX `ocpi_outbox_object` ON `ocpi_outbox` (`client_id`,`object_pk`,`id`);