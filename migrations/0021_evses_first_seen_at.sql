ALTER TABLE `evses` ADD `first_seen_at` text;--> statement-breakpoint
-- When the atlas first held each EVSE already held: not recorded before, so its location's
-- first_seen_at, what status history counted from until now (an EVSE added to a location later
-- keeps that earlier start; every EVSE written from now on gets its own, schema.ts).
UPDATE `evses` SET `first_seen_at` = (SELECT l.`first_seen_at` FROM `locations` l WHERE l.`pk` = `evses`.`location_pk`)
  WHERE `first_seen_at` IS NULL;
