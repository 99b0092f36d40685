// The push outbox is filled by triggers, so every change the atlas applies (pull page, push, removal
// by a full pull, whatever write path made it) queues its pushes in its own transaction, with no
// call to forget in any writer. A trigger only records which object changed; the deliverer
// (src/outbox/) reads the object as it is when it sends it, except for status changes, which are
// sent one by one as they happened.
//
// They are created at open time (IF NOT EXISTS) rather than in a migration: drizzle-kit knows
// nothing of triggers, and a table that a later migration rebuilds loses its triggers, which the
// next open then puts back. The names carry a version: change a body, bump it.

import type { Db } from './types.js';

const LOCATION_SUBSCRIBERS = 'FROM ocpi_clients WHERE revoked_at IS NULL AND locations_url IS NOT NULL';
const TARIFF_SUBSCRIBERS = 'FROM ocpi_clients WHERE revoked_at IS NULL AND tariffs_url IS NOT NULL';

const locationChanged = (pk: string) =>
  `INSERT INTO ocpi_outbox (client_id, kind, object_pk) SELECT id, 'location', ${pk} ${LOCATION_SUBSCRIBERS};`;

/** Columns of an EVSE other than its status: a change of these needs the whole location sent. */
const EVSE_BODY = [
  'evse_id',
  'capabilities',
  'floor_level',
  'physical_reference',
  'lat',
  'lon',
  'parking_restrictions',
  'removed_at',
];
const CONNECTOR_BODY = [
  'standard',
  'format',
  'power_type',
  'max_voltage',
  'max_amperage',
  'max_power_w',
  'tariff_ids',
  'terms_and_conditions',
];
const differs = (cols: string[]) => cols.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ');

export const OUTBOX_TRIGGERS: string[] = [
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_location_insert AFTER INSERT ON locations
   BEGIN ${locationChanged('NEW.pk')} END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_location_update AFTER UPDATE ON locations
   WHEN OLD.content_hash IS NOT NEW.content_hash OR OLD.removed_at IS NOT NEW.removed_at
     OR OLD.publish IS NOT NEW.publish
   BEGIN ${locationChanged('NEW.pk')} END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_evse_insert AFTER INSERT ON evses
   BEGIN ${locationChanged('NEW.location_pk')} END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_evse_update AFTER UPDATE ON evses
   WHEN ${differs(EVSE_BODY)}
   BEGIN ${locationChanged('NEW.location_pk')} END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_connector_insert AFTER INSERT ON connectors
   BEGIN ${locationChanged('NEW.location_pk')} END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_connector_update AFTER UPDATE ON connectors
   WHEN ${differs(CONNECTOR_BODY)}
   BEGIN ${locationChanged('NEW.location_pk')} END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_connector_delete AFTER DELETE ON connectors
   BEGIN ${locationChanged('OLD.location_pk')} END`,
  // Every status change, pulled or pushed, is already one row of evse_status_events.
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_status AFTER INSERT ON evse_status_events
   BEGIN INSERT INTO ocpi_outbox (client_id, kind, object_pk, evse_pk, status, occurred_at)
     SELECT id, 'evse_status', NEW.location_pk, NEW.evse_pk, NEW.new_status, NEW.occurred_at
     ${LOCATION_SUBSCRIBERS}; END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_tariff_insert AFTER INSERT ON tariffs
   BEGIN INSERT INTO ocpi_outbox (client_id, kind, object_pk) SELECT id, 'tariff', NEW.pk
     ${TARIFF_SUBSCRIBERS}; END`,
  `CREATE TRIGGER IF NOT EXISTS outbox_v1_tariff_update AFTER UPDATE ON tariffs
   WHEN OLD.content_hash IS NOT NEW.content_hash OR OLD.removed_at IS NOT NEW.removed_at
   BEGIN INSERT INTO ocpi_outbox (client_id, kind, object_pk) SELECT id, 'tariff', NEW.pk
     ${TARIFF_SUBSCRIBERS}; END`,
];

/** Statements that remove the triggers (a dump copy, which must not queue pushes nor name clients). */
export const DROP_OUTBOX_TRIGGERS: string[] = OUTBOX_TRIGGERS.map(
  (sql) => `DROP TRIGGER IF EXISTS ${/IF NOT EXISTS (\w+)/.exec(sql)?.[1]}`,
);

/**
 * Creates the triggers where no open does it: on D1 the Worker calls this once per isolate before
 * it serves or syncs, so every write made through it queues its pushes (docs/ocpi-out.md).
 */
export async function ensureOutboxTriggers(db: Db): Promise<void> {
  await db.batch(OUTBOX_TRIGGERS.map((sql) => ({ sql, params: [] })));
}
