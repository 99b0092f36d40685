ALTER TABLE `evse_status_events` ADD `day_prev_id` integer;--> statement-breakpoint
UPDATE `evse_status_events` SET `day_prev_id` = w.dp
FROM (SELECT id, first_value(prev_id) OVER (PARTITION BY evse_pk, substr(occurred_at, 1, 10) ORDER BY id) AS dp
  FROM `evse_status_events`) w
WHERE w.id = `evse_status_events`.id AND w.dp IS NOT NULL;
