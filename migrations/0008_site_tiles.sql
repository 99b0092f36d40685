CREATE TABLE `site_tiles` (
	`key` integer PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`evse_count` integer NOT NULL,
	`free` integer NOT NULL,
	`name` text,
	`operator` text,
	`max_power_kw` real,
	`connectors` text,
	`statuses` text NOT NULL
);
--> statement-breakpoint
ALTER TABLE `site_features` ADD `statuses` text DEFAULT '[]' NOT NULL;