CREATE TABLE `connector_tariffs` (
	`connector_pk` text NOT NULL,
	`location_pk` text NOT NULL,
	`tariff_id` text COLLATE NOCASE NOT NULL,
	PRIMARY KEY(`connector_pk`, `tariff_id`)
);
--> statement-breakpoint
CREATE INDEX `connector_tariffs_tariff` ON `connector_tariffs` (`tariff_id`);--> statement-breakpoint
CREATE INDEX `connector_tariffs_location` ON `connector_tariffs` (`location_pk`);--> statement-breakpoint
CREATE TABLE `connectors` (
	`pk` text PRIMARY KEY NOT NULL,
	`evse_pk` text NOT NULL,
	`location_pk` text NOT NULL,
	`connector_id` text COLLATE NOCASE NOT NULL,
	`standard` text NOT NULL,
	`format` text,
	`power_type` text,
	`max_voltage` integer,
	`max_amperage` integer,
	`max_power_w` integer,
	`tariff_ids` text NOT NULL,
	`terms_and_conditions` text,
	`last_updated` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `connectors_evse_id` ON `connectors` (`evse_pk`,`connector_id`);--> statement-breakpoint
CREATE INDEX `connectors_location` ON `connectors` (`location_pk`,`evse_pk`,`standard`,`max_power_w`);--> statement-breakpoint
CREATE TABLE `evse_status_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`evse_pk` text NOT NULL,
	`location_pk` text NOT NULL,
	`cell` integer NOT NULL,
	`old_status` text,
	`new_status` text NOT NULL,
	`occurred_at` text NOT NULL,
	`received_at` text NOT NULL,
	`via` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `status_events_evse_time` ON `evse_status_events` (`evse_pk`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `status_events_cell` ON `evse_status_events` (`cell`,`id`);--> statement-breakpoint
CREATE TABLE `evse_status_hourly` (
	`evse_pk` text NOT NULL,
	`hour` text NOT NULL,
	`status` text NOT NULL,
	`seconds` integer NOT NULL,
	`end_status` text,
	PRIMARY KEY(`evse_pk`, `hour`, `status`)
);
--> statement-breakpoint
CREATE TABLE `evses` (
	`pk` text PRIMARY KEY NOT NULL,
	`location_pk` text NOT NULL,
	`uid` text COLLATE NOCASE NOT NULL,
	`evse_id` text,
	`evse_id_norm` text,
	`status` text NOT NULL,
	`status_updated_at` text,
	`status_via` text,
	`capabilities` text NOT NULL,
	`floor_level` text,
	`physical_reference` text,
	`lat` real,
	`lon` real,
	`parking_restrictions` text NOT NULL,
	`max_power_w` integer,
	`last_updated` text,
	`removed_at` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `evses_location_uid` ON `evses` (`location_pk`,`uid`);--> statement-breakpoint
CREATE INDEX `evses_live` ON `evses` (`location_pk`,`status`,`pk`,`removed_at`) WHERE removed_at IS NULL;--> statement-breakpoint
CREATE INDEX `evses_evse_id_norm` ON `evses` (`evse_id_norm`);--> statement-breakpoint
CREATE TABLE `location_refs` (
	`location_pk` text NOT NULL,
	`kind` text NOT NULL,
	`value` text COLLATE NOCASE NOT NULL,
	`provider` text,
	PRIMARY KEY(`location_pk`, `kind`, `value`)
);
--> statement-breakpoint
CREATE INDEX `location_refs_value` ON `location_refs` (`kind`,`value`);--> statement-breakpoint
CREATE TABLE `locations` (
	`pk` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`country_code` text COLLATE NOCASE NOT NULL,
	`party_id` text COLLATE NOCASE NOT NULL,
	`ocpi_id` text COLLATE NOCASE NOT NULL,
	`publish` integer NOT NULL,
	`name` text,
	`address` text,
	`city` text,
	`postal_code` text,
	`state` text,
	`country` text,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`cell` integer NOT NULL,
	`parking_type` text,
	`time_zone` text,
	`operator_name` text,
	`operator_website` text,
	`suboperator_name` text,
	`owner_name` text,
	`facilities` text NOT NULL,
	`opening_times` text,
	`charging_when_closed` integer,
	`warnings` text NOT NULL,
	`max_power_w` integer,
	`last_updated` text NOT NULL,
	`content_hash` text NOT NULL,
	`removed_at` text,
	`site_id` text,
	`last_seen_run` integer,
	`first_seen_at` text NOT NULL,
	`synced_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `locations_natural_key` ON `locations` (`source_id`,`country_code`,`party_id`,`ocpi_id`);--> statement-breakpoint
CREATE INDEX `locations_cell` ON `locations` (`cell`);--> statement-breakpoint
CREATE INDEX `locations_site` ON `locations` (`site_id`);--> statement-breakpoint
CREATE INDEX `locations_source_seen` ON `locations` (`source_id`,`last_seen_run`);--> statement-breakpoint
CREATE INDEX `locations_spread` ON `locations` (unicode(pk),`cell`,`lat`,`lon`,`pk`,`source_id`,`site_id`) WHERE publish = 1 AND removed_at IS NULL;--> statement-breakpoint
CREATE TABLE `meta` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `quarantine` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` text NOT NULL,
	`run_id` integer,
	`object_type` text NOT NULL,
	`record_id` text,
	`field` text NOT NULL,
	`rule` text NOT NULL,
	`message` text NOT NULL,
	`raw` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `quarantine_source` ON `quarantine` (`source_id`,`id`);--> statement-breakpoint
CREATE TABLE `site_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`from_ids` text NOT NULL,
	`to_ids` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sites` (
	`id` text PRIMARY KEY NOT NULL,
	`lat` real NOT NULL,
	`lon` real NOT NULL,
	`cell` integer NOT NULL,
	`fields` text NOT NULL,
	`merged_into` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sites_cell` ON `sites` (`cell`);--> statement-breakpoint
CREATE INDEX `sites_merged_into` ON `sites` (`merged_into`);--> statement-breakpoint
CREATE INDEX `sites_spread` ON `sites` (unicode(id),`cell`,`lat`,`lon`,`id`) WHERE merged_into IS NULL;--> statement-breakpoint
CREATE TABLE `source_secrets` (
	`source_id` text PRIMARY KEY NOT NULL,
	`token_c` text,
	`token_b` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sources` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`type` text DEFAULT 'ocpi' NOT NULL,
	`license` text,
	`attribution` text,
	`enabled` integer DEFAULT true NOT NULL,
	`version` text,
	`endpoints` text,
	`token_encoding` text,
	`token_encoding_note` text,
	`parties` text,
	`last_success_at` text,
	`last_full_success_at` text,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source_id` text NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`version` text,
	`date_from` text,
	`pages` integer DEFAULT 0 NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`retries` integer DEFAULT 0 NOT NULL,
	`upserted` integer DEFAULT 0 NOT NULL,
	`unchanged` integer DEFAULT 0 NOT NULL,
	`removed` integer DEFAULT 0 NOT NULL,
	`quarantined` integer DEFAULT 0 NOT NULL,
	`duplicates` integer DEFAULT 0 NOT NULL,
	`warnings` integer DEFAULT 0 NOT NULL,
	`tariffs_upserted` integer DEFAULT 0 NOT NULL,
	`error` text,
	`cursor` text
);
--> statement-breakpoint
CREATE INDEX `sync_runs_source` ON `sync_runs` (`source_id`,`id`);--> statement-breakpoint
CREATE TABLE `tariffs` (
	`pk` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`country_code` text COLLATE NOCASE NOT NULL,
	`party_id` text COLLATE NOCASE NOT NULL,
	`tariff_id` text COLLATE NOCASE NOT NULL,
	`currency` text NOT NULL,
	`type` text,
	`elements` text NOT NULL,
	`alt_text` text NOT NULL,
	`alt_url` text,
	`min_price` text,
	`max_price` text,
	`start_date_time` text,
	`end_date_time` text,
	`tax_included` text,
	`summary` text,
	`is_free` integer DEFAULT false NOT NULL,
	`warnings` text NOT NULL,
	`last_updated` text NOT NULL,
	`content_hash` text NOT NULL,
	`removed_at` text,
	`last_seen_run` integer,
	`synced_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tariffs_natural_key` ON `tariffs` (`source_id`,`country_code`,`party_id`,`tariff_id`);