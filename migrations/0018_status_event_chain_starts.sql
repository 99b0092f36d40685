-- Custom SQL migration file, put your code below! --
-- Relinks the status events' chains that a rolled-up event cut in two, which 0016 could not see.
-- Older atlases linked each EVSE's events in id order, and the rollup of then deleted events by
-- time: ids 1 (10:00), 2 (09:00), 3 (11:00, prev 2), with 2 rolled up, walk from the head as [3]
-- alone, event 1 lost to every reader, and 3's link names no held row, so 0016's search for a link
-- to a later event does not find it. Such an EVSE's held events have more than one chain start (an
-- event whose prev_id is null or names no held event of its EVSE), or a start and a head
-- (evses.last_event_id) no longer held. An EVSE has at least as many starts as held heads (0 or 1),
-- the same number only when it is whole, so two totals decide whether anything is to repair (one
-- pass over the events, each previous one read by rowid; one over the EVSEs); only when they differ
-- are the EVSEs without a held head listed and the starts counted per EVSE (a sort of them all).
-- The steps after a total are gated by a one-row subquery CROSS JOINed first, so an empty answer
-- skips their scan (a WHERE EXISTS term does not: 0016's copy scanned all events for nothing).
-- Those EVSEs are relinked by 0016's statements: prev_id, day_prev_id and evses.last_event_id in
-- (occurred_at, id) order, written only where they differ, a pointer to an event no longer held
-- counting as none. Today's writers make no second start: each links a new event to the head and
-- writes one only for a status not older than the EVSE's, so an EVSE's ids are in time order, and
-- the rollup deletes a prefix by id of the events received before its cutoff: a prefix in time of
-- each chain. Where ids and time order differ (events an older atlas wrote, put in time order by
-- 0016 or this, while still held), the rollup deletes the superseded older events with the ones it
-- takes since bd993b1, so it leaves no second start there either: docs/ocpi-push.md (Chain starts).
-- (This paragraph was corrected after 0018 landed; comments only, the statements are as applied.)
-- Cost on copies of the 1M-EVSE bench database (1,000,001 events, one an EVSE; load 2.3-3.0):
-- nothing to repair, 0.19 s for the statements (0.52 s on a cold file), 0.57 s for the first open
-- that applies them (3 ms an open after), VmHWM 113-118 MB; with 1,000 EVSEs cut as above (an
-- event more each, linked to one no longer held), 1.6 s (0.56 s the totals, 0.32 s the EVSEs
-- without a held head, 0.51 s the starts per EVSE, 0.19 s the copy of their events), 1.4 s for the
-- first open, VmHWM 130-133 MB. The same search with the starts counted per EVSE every time (no
-- totals) took 1.5 s with nothing to repair; joined to each EVSE's head, 6.8 s.
CREATE TABLE `status_chain_repair_evses` (`evse_pk` text PRIMARY KEY NOT NULL) WITHOUT ROWID;--> statement-breakpoint
CREATE TABLE `status_chain_repair_totals` (`starts` integer NOT NULL, `heads` integer NOT NULL);--> statement-breakpoint
INSERT INTO `status_chain_repair_totals` (`starts`, `heads`)
SELECT (SELECT count(*) FROM `evse_status_events` e WHERE (e.prev_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM `evse_status_events` p WHERE p.id = e.prev_id AND p.evse_pk = e.evse_pk))),
  (SELECT count(*) FROM `evses` v JOIN `evse_status_events` h ON h.id = v.last_event_id AND h.evse_pk = v.pk);--> statement-breakpoint
CREATE TABLE `status_chain_repair_headless` (`evse_pk` text PRIMARY KEY NOT NULL) WITHOUT ROWID;--> statement-breakpoint
INSERT INTO `status_chain_repair_headless` (`evse_pk`)
SELECT v.pk FROM (SELECT 1 FROM `status_chain_repair_totals` WHERE starts <> heads) CROSS JOIN `evses` v
WHERE NOT EXISTS (SELECT 1 FROM `evse_status_events` h WHERE h.id = v.last_event_id AND h.evse_pk = v.pk);--> statement-breakpoint
INSERT OR IGNORE INTO `status_chain_repair_evses` (`evse_pk`)
SELECT e.evse_pk FROM (SELECT 1 FROM `status_chain_repair_headless` LIMIT 1) CROSS JOIN `evse_status_events` e
WHERE e.evse_pk IN (SELECT evse_pk FROM `status_chain_repair_headless`);--> statement-breakpoint
INSERT OR IGNORE INTO `status_chain_repair_evses` (`evse_pk`)
SELECT e.evse_pk FROM (SELECT 1 FROM `status_chain_repair_totals` WHERE starts <> heads) CROSS JOIN `evse_status_events` e
WHERE (e.prev_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM `evse_status_events` p WHERE p.id = e.prev_id AND p.evse_pk = e.evse_pk))
GROUP BY e.evse_pk HAVING count(*) > 1;--> statement-breakpoint
CREATE TABLE `status_chain_repair_events` (`id` integer PRIMARY KEY NOT NULL, `evse_pk` text NOT NULL,
  `occurred_at` text NOT NULL);--> statement-breakpoint
INSERT INTO `status_chain_repair_events` (`id`, `evse_pk`, `occurred_at`)
SELECT e.id, e.evse_pk, e.occurred_at FROM (SELECT 1 FROM `status_chain_repair_evses` LIMIT 1)
  CROSS JOIN `evse_status_events` e WHERE e.evse_pk IN (SELECT evse_pk FROM `status_chain_repair_evses`);--> statement-breakpoint
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
DROP TABLE `status_chain_repair_evses`;--> statement-breakpoint
DROP TABLE `status_chain_repair_headless`;--> statement-breakpoint
DROP TABLE `status_chain_repair_totals`;
