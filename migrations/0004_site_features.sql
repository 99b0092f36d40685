CREATE TABLE `site_features` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`cell` integer NOT NULL,
	`evse_count` integer NOT NULL,
	`available_count` integer NOT NULL,
	`connector_count` integer NOT NULL,
	`max_power_w` integer,
	`operator` text,
	`country` text,
	`sources` text NOT NULL,
	`last_updated` text NOT NULL,
	`feature` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `site_features_spread` ON `site_features` (unicode(id),`cell`,`lat`,`lon`,`id`);