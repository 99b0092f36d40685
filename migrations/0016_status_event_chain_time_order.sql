-- Custom SQL migration file, put your code below! --
-- Puts back in time order the status events' chains that were written out of it. 0014 and 0015
-- chained each EVSE's events in id order, and writers linked each new event to the head, so a chain
-- left time order wherever an event was written older than one before it: before fe7586b (held pages
-- read on arrival) and b09037d (a held status a push made stale put an older event at the head).
-- rawTimeline, the outbox's walk and the rollup (src/db/queries/status.ts, ocpi-outbox.ts) assume
-- (occurred_at, id) order. Such a chain has a link to a later event (the old writers linked in id
-- order), so only the EVSEs with one are rebuilt: prev_id, day_prev_id and evses.last_event_id in
-- (occurred_at, id) order, written only where they differ. A pointer to an event no longer held
-- (rolled up) counts as none, so the first held event of a rolled-up chain keeps its old one.
-- Cost on a copy of the 1M-EVSE bench database (1,000,001 events, nothing to repair): 0.22 s for
-- the statements, 0.93 s for the first open that applies them (cold file; 8 ms an open after); with
-- two more events an EVSE (3,000,003 events, 1,000 EVSEs out of order): 1.1 s (0.45 s the search for
-- backward links, 0.62 s the copy of those EVSEs' events), 2.2 s for the open; VmHWM 108-110 MB.
-- A full rebuild (the same windows over every event) took 9.4 s and 25-26.5 s on the same files.
CREATE TABLE `status_chain_repair_evses` (`evse_pk` text PRIMARY KEY NOT NULL) WITHOUT ROWID;--> statement-breakpoint
INSERT OR IGNORE INTO `status_chain_repair_evses` (`evse_pk`)
SELECT e.evse_pk FROM `evse_status_events` e JOIN `evse_status_events` p ON p.id = e.prev_id
WHERE p.occurred_at > e.occurred_at OR (p.occurred_at = e.occurred_at AND p.id > e.id);--> statement-breakpoint
CREATE TABLE `status_chain_repair_events` (`id` integer PRIMARY KEY NOT NULL, `evse_pk` text NOT NULL,
  `occurred_at` text NOT NULL);--> statement-breakpoint
INSERT INTO `status_chain_repair_events` (`id`, `evse_pk`, `occurred_at`)
SELECT id, evse_pk, occurred_at FROM `evse_status_events`
WHERE EXISTS (SELECT 1 FROM `status_chain_repair_evses`)
  AND evse_pk IN (SELECT evse_pk FROM `status_chain_repair_evses`);--> statement-breakpoint
UPDATE `evse_status_events` SET `prev_id` = w.prev
FROM (SELECT id, lag(id) OVER (PARTITION BY evse_pk ORDER BY occurred_at, id) AS prev
  FROM `status_chain_repair_events`) w
WHERE w.id = `evse_status_events`.id AND `evse_status_events`.prev_id IS NOT w.prev
  AND (w.prev IS NOT NULL OR `evse_status_events`.prev_id IN (SELECT id FROM `evse_status_events`));--> statement-breakpoint
UPDATE `evse_status_events` SET `day_prev_id` = w.dp
FROM (SELECT s.id, first_value(s.prev_id) OVER (PARTITION BY s.evse_pk, substr(s.occurred_at, 1, 10)
    ORDER BY s.occurred_at, s.id) AS dp
  FROM `status_chain_repair_events` r JOIN `evse_status_events` s ON s.id = r.id) w
WHERE w.id = `evse_status_events`.id AND `evse_status_events`.day_prev_id IS NOT w.dp
  AND (w.dp IS NOT NULL OR `evse_status_events`.day_prev_id IN (SELECT id FROM `evse_status_events`));--> statement-breakpoint
UPDATE `evses` SET `last_event_id` = w.id
FROM (SELECT evse_pk, id, row_number() OVER (PARTITION BY evse_pk ORDER BY occurred_at DESC, id DESC) AS r
  FROM `status_chain_repair_events`) w
WHERE w.r = 1 AND w.evse_pk = `evses`.pk AND `evses`.last_event_id IS NOT w.id;--> statement-breakpoint
DROP TABLE `status_chain_repair_events`;--> statement-breakpoint
DROP TABLE `status_chain_repair_evses`;
