CREATE TABLE `location_tariffs` (
	`location_pk` text NOT NULL,
	`tariff_id` text COLLATE NOCASE NOT NULL,
	PRIMARY KEY(`location_pk`, `tariff_id`)
);
--> statement-breakpoint
CREATE INDEX `location_tariffs_tariff` ON `location_tariffs` (`tariff_id`);--> statement-breakpoint
DROP TABLE `connector_tariffs`;