DROP INDEX `evses_location_uid`;--> statement-breakpoint
DROP INDEX `evses_live`;--> statement-breakpoint
DROP INDEX `evses_tile`;--> statement-breakpoint
CREATE INDEX `evses_location` ON `evses` (`location_pk`,`status`,`status_updated_at`,`max_power_w`,`uid`,`pk`,`removed_at`);