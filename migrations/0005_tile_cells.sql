CREATE TABLE `tile_cells` (
	`zoom` integer NOT NULL,
	`y` integer NOT NULL,
	`x` integer NOT NULL,
	`sites` integer NOT NULL,
	`evses` integer NOT NULL,
	`installed_w` integer NOT NULL,
	`lat_sum` integer NOT NULL,
	`lon_sum` integer NOT NULL,
	`split_zoom` integer NOT NULL,
	PRIMARY KEY(`zoom`, `y`, `x`)
);
--> statement-breakpoint
CREATE INDEX `tile_cells_empty` ON `tile_cells` (`sites`) WHERE sites = 0;--> statement-breakpoint
CREATE TABLE `tile_rows` (
	`north` real PRIMARY KEY NOT NULL,
	`row` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `site_features` ADD `installed_w` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `evses_fresh_available` ON `evses` (`status_updated_at`,`location_pk`) WHERE status = 'AVAILABLE' AND removed_at IS NULL;