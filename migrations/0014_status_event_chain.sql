CREATE TABLE `evse_status_rollup` (
	`evse_pk` text PRIMARY KEY NOT NULL,
	`status` text NOT NULL,
	`at` text NOT NULL,
	`open` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `evse_status_rollup_open` ON `evse_status_rollup` (`evse_pk`) WHERE open = 1;--> statement-breakpoint
ALTER TABLE `evse_status_events` ADD `prev_id` integer;--> statement-breakpoint
ALTER TABLE `evses` ADD `last_event_id` integer;--> statement-breakpoint
UPDATE `evse_status_events` SET `prev_id` = w.prev
FROM (SELECT id, lag(id) OVER (PARTITION BY evse_pk ORDER BY id) AS prev FROM `evse_status_events`) w
WHERE w.id = `evse_status_events`.id AND w.prev IS NOT NULL;--> statement-breakpoint
UPDATE `evses` SET `last_event_id` = w.last
FROM (SELECT evse_pk, max(id) AS last FROM `evse_status_events` GROUP BY evse_pk) w
WHERE w.evse_pk = `evses`.pk;--> statement-breakpoint
INSERT INTO `evse_status_rollup` (evse_pk, status, at, open)
SELECT evse_pk, end_status, hour, 0 FROM (
  SELECT evse_pk, max(hour) AS hour, end_status FROM `evse_status_hourly` GROUP BY evse_pk
) WHERE end_status IS NOT NULL;--> statement-breakpoint
DROP INDEX `status_events_evse_time`;
