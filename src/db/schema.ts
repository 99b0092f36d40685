// The atlas's tables, designed for the whole mission: pulled and pushed OCPI data, status over
// time, quarantine, sync health and deduplicated sites. Runs unchanged on better-sqlite3 and D1.
//
// Keys: every location / EVSE / connector / tariff has a deterministic text primary key (a hash
// of its natural OCPI key, lower-cased), so a whole location can be written as one batch of
// independent statements without reading generated ids back: D1 has no interactive transactions.
// Spatial index: `cell` is a Morton (Z-order) key of a 2^16 x 2^16 lon/lat grid, an ordinary
// integer index; D1 refuses R*Tree virtual tables.
import { sql } from 'drizzle-orm';
import {
  customType,
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

/** OCPI CiString: compared case-insensitively by SQLite itself (spec §8). */
const ciText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE NOCASE',
});

export const sources = sqliteTable('sources', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  type: text('type').notNull().default('ocpi'),
  license: text('license'),
  attribution: text('attribution'),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  /** Negotiated OCPI version, endpoints and token encoding, as discovered (never a token). */
  version: text('version'),
  endpoints: text('endpoints', { mode: 'json' }).$type<Record<string, string | undefined>>(),
  tokenEncoding: text('token_encoding'),
  /** 'fallback' when the CPO only accepted the other encoding (shown in source health). */
  tokenEncodingNote: text('token_encoding_note'),
  parties: text('parties', { mode: 'json' }).$type<{ country_code: string; party_id: string }[]>(),
  lastSuccessAt: text('last_success_at'),
  lastFullSuccessAt: text('last_full_success_at'),
  updatedAt: text('updated_at').notNull(),
});

/** Secrets learned at run time (token C from a handshake, our token B). Never selected by the API. */
export const sourceSecrets = sqliteTable('source_secrets', {
  sourceId: text('source_id').primaryKey(),
  tokenC: text('token_c'),
  tokenB: text('token_b'),
  updatedAt: text('updated_at').notNull(),
});

export const locations = sqliteTable(
  'locations',
  {
    pk: text('pk').primaryKey(),
    sourceId: text('source_id').notNull(),
    countryCode: ciText('country_code').notNull(),
    partyId: ciText('party_id').notNull(),
    ocpiId: ciText('ocpi_id').notNull(),
    publish: integer('publish', { mode: 'boolean' }).notNull(),
    /** The licence the record states for itself; null: the source's licence applies. */
    license: text('license'),
    /** planned | operational | out_of_service | removed (model/lifecycle.ts); removed is never published. */
    lifecycle: text('lifecycle').notNull().default('operational'),
    name: text('name'),
    address: text('address'),
    city: text('city'),
    postalCode: text('postal_code'),
    state: text('state'),
    country: text('country'),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    cell: integer('cell').notNull(),
    parkingType: text('parking_type'),
    timeZone: text('time_zone'),
    operatorName: text('operator_name'),
    operatorWebsite: text('operator_website'),
    suboperatorName: text('suboperator_name'),
    ownerName: text('owner_name'),
    facilities: text('facilities', { mode: 'json' }).$type<string[]>().notNull(),
    openingTimes: text('opening_times', { mode: 'json' }),
    chargingWhenClosed: integer('charging_when_closed', { mode: 'boolean' }),
    warnings: text('warnings', { mode: 'json' }).notNull(),
    /** Rated power of the strongest connector, W: lets power filters skip a join. */
    maxPowerW: integer('max_power_w'),
    lastUpdated: text('last_updated').notNull(),
    /** Hash of the normalized record: an identical re-pull is counted as unchanged, not rewritten. */
    contentHash: text('content_hash').notNull(),
    /**
     * Hash of what the statistics count of the record (src/db/counts-hash.ts), as its last whole
     * write stored it; null once a push below it may have changed a count. A pull whose record
     * differs from the stored one only elsewhere (statuses) leaves the counts' version alone.
     */
    countsHash: text('counts_hash'),
    removedAt: text('removed_at'),
    siteId: text('site_id'),
    /** Id of the last sync run that saw this record: a completed full pull removes the unseen. */
    lastSeenRun: integer('last_seen_run'),
    firstSeenAt: text('first_seen_at').notNull(),
    syncedAt: text('synced_at').notNull(),
  },
  (t) => [
    uniqueIndex('locations_natural_key').on(t.sourceId, t.countryCode, t.partyId, t.ocpiId),
    index('locations_cell').on(t.cell),
    index('locations_site').on(t.siteId),
    index('locations_source_seen').on(t.sourceId, t.lastSeenRun),
    // Published locations by pk bucket, then cell, covering the bbox prefilter: a limited bbox query
    // reads buckets in pk order until the limit is met (src/db/queries/spread-scan.ts).
    // Vector tiles read every published location of a tile with its position, site and what the
    // publication rule needs, from this index alone: a low-zoom tile covers a whole country, and
    // reading its rows from the table was random I/O over the whole file (scripts/bench/tiles.ts).
    index('locations_tile')
      .on(t.cell, t.lat, t.lon, t.pk, t.siteId, t.sourceId, t.lifecycle, t.license, t.publish, t.removedAt)
      .where(sql`publish = 1 AND removed_at IS NULL`),
    index('locations_spread')
      .on(sql`unicode(pk)`, t.cell, t.lat, t.lon, t.pk, t.sourceId, t.siteId)
      .where(sql`publish = 1 AND removed_at IS NULL`),
  ],
);

export const evses = sqliteTable(
  'evses',
  {
    pk: text('pk').primaryKey(),
    locationPk: text('location_pk').notNull(),
    uid: ciText('uid').notNull(),
    evseId: text('evse_id'),
    /** evse_id upper-cased without '*' / '-': the form compared across sources. */
    evseIdNorm: text('evse_id_norm'),
    status: text('status').notNull(),
    /** When the status took effect per the CPO (OCPI last_updated of the status). */
    statusUpdatedAt: text('status_updated_at'),
    statusVia: text('status_via'),
    capabilities: text('capabilities', { mode: 'json' }).$type<string[]>().notNull(),
    floorLevel: text('floor_level'),
    physicalReference: text('physical_reference'),
    lat: real('lat'),
    lon: real('lon'),
    parkingRestrictions: text('parking_restrictions', { mode: 'json' }).$type<string[]>().notNull(),
    maxPowerW: integer('max_power_w'),
    lastUpdated: text('last_updated'),
    removedAt: text('removed_at'),
    /**
     * Id of this EVSE's newest status event: the head of its chain of events (each event holds the
     * id of the one before it, evse_status_events.prev_id). Written by every statement that writes
     * an event, in the same batch; it may name an event since rolled up (the chain then ends).
     */
    lastEventId: integer('last_event_id'),
    /**
     * When the atlas first held this EVSE (ISO): set by the INSERT of every writer (a pull page, a
     * push, a register run), never by an upsert's update, so it stays when the EVSE is rewritten,
     * removed or comes back. An OCPI EVSE's status history starts there (KNOWN_SINCE in
     * queries/status.ts): one added to a location held since January counts from when we saw it,
     * not from January. Migration 0021 filled it from the location's first_seen_at for the EVSEs
     * held before. Nullable only because SQLite adds no NOT NULL column without a constant default.
     */
    firstSeenAt: text('first_seen_at'),
  },
  (t) => [
    // Every EVSE of a location with what list summaries, filters and the per-site counts of vector
    // tiles read (status, its freshness, rated power, removed_at), from the index alone: SQLite
    // counts an index as covering only if it holds every column used. One index for what took three
    // (evses_location_uid, evses_live, evses_tile), each a B-tree keyed by a hashed location pk and
    // written at a random place for every EVSE a sync writes (scripts/bench/sync.ts). Not unique:
    // the pk, a hash of (location pk, lower-cased uid), already is.
    index('evses_location').on(
      t.locationPk,
      t.status,
      t.statusUpdatedAt,
      t.maxPowerW,
      t.uid,
      t.pk,
      t.removedAt,
    ),
    index('evses_evse_id_norm').on(t.evseIdNorm),
    // The statuses still fresh at a cluster zoom (src/db/queries/tiles.ts): the AVAILABLE EVSEs
    // confirmed since a given instant, newest last, without the table.
    index('evses_fresh_available')
      .on(t.statusUpdatedAt, t.locationPk)
      .where(sql`status = 'AVAILABLE' AND removed_at IS NULL`),
  ],
);

export const connectors = sqliteTable(
  'connectors',
  {
    pk: text('pk').primaryKey(),
    evsePk: text('evse_pk').notNull(),
    locationPk: text('location_pk').notNull(),
    connectorId: ciText('connector_id').notNull(),
    standard: text('standard').notNull(),
    format: text('format'),
    powerType: text('power_type'),
    maxVoltage: integer('max_voltage'),
    maxAmperage: integer('max_amperage'),
    maxPowerW: integer('max_power_w'),
    tariffIds: text('tariff_ids', { mode: 'json' }).$type<string[]>().notNull(),
    termsAndConditions: text('terms_and_conditions'),
    lastUpdated: text('last_updated'),
  },
  (t) => [
    uniqueIndex('connectors_evse_id').on(t.evsePk, t.connectorId),
    // Covers the list summary (type and power per location) without reading the table.
    index('connectors_location').on(t.locationPk, t.evsePk, t.standard, t.maxPowerW),
  ],
);

export const tariffs = sqliteTable(
  'tariffs',
  {
    pk: text('pk').primaryKey(),
    sourceId: text('source_id').notNull(),
    countryCode: ciText('country_code').notNull(),
    partyId: ciText('party_id').notNull(),
    tariffId: ciText('tariff_id').notNull(),
    currency: text('currency').notNull(),
    type: text('type'),
    elements: text('elements', { mode: 'json' }).notNull(),
    altText: text('alt_text', { mode: 'json' }).notNull(),
    altUrl: text('alt_url'),
    minPrice: text('min_price', { mode: 'json' }),
    maxPrice: text('max_price', { mode: 'json' }),
    startDateTime: text('start_date_time'),
    endDateTime: text('end_date_time'),
    taxIncluded: text('tax_included'),
    summary: text('summary'),
    isFree: integer('is_free', { mode: 'boolean' }).notNull().default(false),
    warnings: text('warnings', { mode: 'json' }).notNull(),
    lastUpdated: text('last_updated').notNull(),
    contentHash: text('content_hash').notNull(),
    removedAt: text('removed_at'),
    lastSeenRun: integer('last_seen_run'),
    syncedAt: text('synced_at').notNull(),
  },
  (t) => [uniqueIndex('tariffs_natural_key').on(t.sourceId, t.countryCode, t.partyId, t.tariffId)],
);

/**
 * Which tariff ids a location's connectors reference (the union of their connectors.tariff_ids):
 * the index from a tariff to the sites whose `free` it changes (src/db/site-free-triggers.ts), and
 * from a location to its tariffs. One row per location and tariff, not per connector: the list per
 * connector is connectors.tariff_ids, which the readers check for a live connector. Per connector,
 * the links were 210k rows with two scattered index writes each in a full sync of 210k EVSEs
 * (1.4-1.6 s of its page transactions, npm run bench -- sync). Migration 0017 ANALYZEs it once: a
 * file ANALYZEd before the table existed had statistics for every table but this one, and the
 * free-tariff lookup then read every link of a tariff id across parties (1.12-1.25 s against
 * 0.59-0.72 s for a 33k-location party's tariff turning free, 1M-EVSE bench database).
 */
export const locationTariffs = sqliteTable(
  'location_tariffs',
  {
    locationPk: text('location_pk').notNull(),
    tariffId: ciText('tariff_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.locationPk, t.tariffId] }),
    index('location_tariffs_tariff').on(t.tariffId),
  ],
);

export const syncRuns = sqliteTable(
  'sync_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sourceId: text('source_id').notNull(),
    kind: text('kind').notNull(), // full | incremental
    status: text('status').notNull(), // running | ok | failed | suspect
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
    version: text('version'),
    dateFrom: text('date_from'),
    pages: integer('pages').notNull().default(0),
    requests: integer('requests').notNull().default(0),
    retries: integer('retries').notNull().default(0),
    upserted: integer('upserted').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    removed: integer('removed').notNull().default(0),
    quarantined: integer('quarantined').notNull().default(0),
    duplicates: integer('duplicates').notNull().default(0),
    warnings: integer('warnings').notNull().default(0),
    tariffsUpserted: integer('tariffs_upserted').notNull().default(0),
    error: text('error'),
    /** Where a stepwise (Workers) run resumes: next page URL and counters. */
    cursor: text('cursor', { mode: 'json' }),
  },
  (t) => [index('sync_runs_source').on(t.sourceId, t.id)],
);

export const quarantine = sqliteTable(
  'quarantine',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sourceId: text('source_id').notNull(),
    runId: integer('run_id'),
    objectType: text('object_type').notNull(), // location | tariff | evse | connector
    recordId: text('record_id'),
    field: text('field').notNull(),
    rule: text('rule').notNull(),
    message: text('message').notNull(),
    raw: text('raw').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('quarantine_source').on(t.sourceId, t.id)],
);

/** Every EVSE status change; `id` doubles as the cursor of /v1/availability and the SSE stream. */
export const evseStatusEvents = sqliteTable(
  'evse_status_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    evsePk: text('evse_pk').notNull(),
    locationPk: text('location_pk').notNull(),
    oldStatus: text('old_status'),
    newStatus: text('new_status').notNull(),
    occurredAt: text('occurred_at').notNull(),
    receivedAt: text('received_at').notNull(),
    via: text('via').notNull(), // push | pull
    /**
     * Id of the same EVSE's event before this one (null: its first, or none was held). Readers find
     * an EVSE's events by walking back from evses.last_event_id; a chain whose older part was rolled
     * up simply ends at the first id that is gone.
     */
    prevId: integer('prev_id'),
    /**
     * Id of the same EVSE's last event before the UTC day of this one's occurred_at (the previous
     * event's day_prev_id when that is of the same day, else its id; null: none is held). A skip
     * pointer a day at a time: a reader of a window far back hops over the newer days' events
     * instead of walking each (rawTimeline). Written by the same INSERT as the event, no index.
     */
    dayPrevId: integer('day_prev_id'),
  },
  // No index at all: every index here is written once more per status change, and one keyed by
  // EVSE (status_events_evse_time, dropped in 0014) put each event of a group commit on another
  // leaf (61 % of a status PATCH group's WAL frames, docs/ocpi-push.md). Readers by EVSE walk the
  // chain (prev_id); the feeds by area select events by id and test their location's cell
  // (src/db/queries/status.ts); the rollup goes by id (rollupStatusEvents). (An event's own copy of
  // the cell, dropped in 0011, was read by nothing and went stale when a pull moved its location.)
);

/**
 * Where the rollup stands for each EVSE it has rolled events of: the status after its last rolled
 * event and that event's time (as the rollup counted it). The rollup goes through the events by id,
 * a chunk to a transaction, so an EVSE's events of one run may lie in several chunks: this row
 * carries its status from one chunk (and one run) to the next, and survives an interrupted run.
 * `open` = 1 while the hour of `at` has not yet been given its seconds after `at` (the run's last
 * step does that, once no later chunk can hold another event of that hour).
 */
export const evseStatusRollup = sqliteTable(
  'evse_status_rollup',
  {
    evsePk: text('evse_pk').primaryKey(),
    status: text('status').notNull(),
    at: text('at').notNull(),
    open: integer('open').notNull(),
  },
  (t) => [index('evse_status_rollup_open').on(t.evsePk).where(sql`open = 1`)],
);

/** Raw events older than the retention window, rolled up: seconds spent in each status per hour. */
export const evseStatusHourly = sqliteTable(
  'evse_status_hourly',
  {
    evsePk: text('evse_pk').notNull(),
    hour: text('hour').notNull(),
    status: text('status').notNull(),
    seconds: integer('seconds').notNull(),
    /**
     * The status at the end of this hour (same on every row of the hour). Rows exist only for hours
     * in which the status changed; a later hour without rows carries this status, so a quiet EVSE
     * costs no rows at all.
     */
    endStatus: text('end_status'),
  },
  (t) => [primaryKey({ columns: [t.evsePk, t.hour, t.status] })],
);

/** A physical site: one or more source locations grouped by dedupe. */
export const sites = sqliteTable(
  'sites',
  {
    id: text('id').primaryKey(),
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    cell: integer('cell').notNull(),
    /** Resolved fields with provenance per field ({ value, source, record, last_updated }). */
    fields: text('fields', { mode: 'json' }).notNull(),
    /** When this site was merged into another, the id that replaces it. */
    mergedInto: text('merged_into'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('sites_cell').on(t.cell),
    // Only merged rows: a live-site query's `merged_into IS NULL` cannot use it, which without
    // statistics (a deployment's file) the planner did for every live-site list, in place of
    // sites_spread or the id order (test/db/unanalyzed-plans.test.ts).
    index('sites_merged_into').on(t.mergedInto).where(sql`merged_into IS NOT NULL`),
    // Live sites by id bucket, then cell: the same spread scan as locations_spread.
    index('sites_spread').on(sql`unicode(id)`, t.cell, t.lat, t.lon, t.id).where(sql`merged_into IS NULL`),
  ],
);

/**
 * The list view of every published site, precomputed: one row per site id (a dedupe site, or a
 * location of its own) with the GeoJSON feature a list answer serves and the summary columns tiles,
 * OGC and the OCPI sender filter on. Rewritten by every write that changes a site, in the same batch
 * (src/db/write-site-features.ts), so a bbox answer is an index range scan plus concatenation.
 * Only published sites have a row.
 */
export const siteFeatures = sqliteTable(
  'site_features',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(), // lone | site
    lat: real('lat').notNull(),
    lon: real('lon').notNull(),
    cell: integer('cell').notNull(),
    evseCount: integer('evse_count').notNull(),
    availableCount: integer('available_count').notNull(),
    /** Rated power of its live EVSEs, summed (vector tiles' cluster cells add it up). */
    installedW: integer('installed_w').notNull().default(0),
    connectorCount: integer('connector_count').notNull(),
    maxPowerW: integer('max_power_w'),
    /**
     * 1 when a published member has a live connector with a no-cost tariff (the `free` filter's
     * rule): vector tiles' `free` without reading connectors and tariffs per site. Kept by the
     * refresh and by triggers on tariffs (src/db/site-free-triggers.ts).
     */
    free: integer('free').notNull().default(0),
    operator: text('operator'),
    country: text('country'),
    /** JSON list of the source ids of its published locations. */
    sources: text('sources').notNull(),
    lastUpdated: text('last_updated').notNull(),
    /** The GeoJSON Feature of the list answer, as served. */
    feature: text('feature').notNull(),
    /**
     * A fresh random number whenever the row is written with a change (src/db/write-site-features.ts),
     * so a page's ETag comes from its rows' revisions instead of a hash of its 700 KB body
     * (src/db/queries/site-features.ts). 0 for rows not written since the column was added.
     */
    rev: integer('rev').notNull().default(0),
    /**
     * The statuses of its live EVSEs that a tile counts once fresh, as JSON
     * `[[class, status_updated_at, count], ...]` (class 0 AVAILABLE, 1 in use, 2 out of order;
     * sorted), so a tile tells fresh from stale without reading EVSE rows (src/db/queries/tiles.ts).
     */
    statuses: text('statuses').notNull().default('[]'),
  },
  (t) => [
    // The spread scan of src/db/queries/spread-scan.ts: id bucket, then cell.
    index('site_features_spread').on(sql`unicode(id)`, t.cell, t.lat, t.lon, t.id),
  ],
);

/** Merges and splits, so old site ids can point to their successors. */
export const siteEvents = sqliteTable('site_events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(), // merge | split
  fromIds: text('from_ids', { mode: 'json' }).$type<string[]>().notNull(),
  toIds: text('to_ids', { mode: 'json' }).$type<string[]>().notNull(),
  at: text('at').notNull(),
});

/** Small key/value facts, e.g. the data version used for ETags. */
export const meta = sqliteTable('meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

/** Explicit links a record states to other records (an OCM POI naming the OCPI location it came from). */
export const locationRefs = sqliteTable(
  'location_refs',
  {
    locationPk: text('location_pk').notNull(),
    kind: text('kind').notNull(), // ocpi-location | evse-id | register-id | operator-alias
    value: ciText('value').notNull(),
    provider: text('provider'),
  },
  (t) => [
    primaryKey({ columns: [t.locationPk, t.kind, t.value] }),
    index('location_refs_value').on(t.kind, t.value),
  ],
);

/**
 * eMSPs and apps that read our OCPI sender and may receive our pushes (docs/ocpi-out.md). The
 * tokens they present to us (A, then C) are kept only as SHA-256 hashes; `their_token` is the token
 * we present when pushing to them, which we must be able to send, so it is kept as given.
 */
export const ocpiClients = sqliteTable('ocpi_clients', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  tokenAHash: text('token_a_hash'),
  tokenCHash: text('token_c_hash'),
  theirToken: text('their_token'),
  version: text('version'),
  versionsUrl: text('versions_url'),
  tokenEncoding: text('token_encoding'),
  parties: text('parties', { mode: 'json' }).$type<{ country_code: string; party_id: string }[]>(),
  /** The client's Locations / Tariffs RECEIVER endpoints: set = it is pushed to. */
  locationsUrl: text('locations_url'),
  tariffsUrl: text('tariffs_url'),
  createdAt: text('created_at').notNull(),
  registeredAt: text('registered_at'),
  revokedAt: text('revoked_at'),
  /** Push delivery: consecutive failures, and no attempt before retry_at (backoff). */
  failures: integer('failures').notNull().default(0),
  retryAt: text('retry_at'),
  lastError: text('last_error'),
  deliveredAt: text('delivered_at'),
});

/**
 * What each pushed-to client still has to receive, written by triggers (src/db/outbox-triggers.ts)
 * in the transaction of the change itself, whatever path made it. `object_pk` is the location or
 * tariff; `evse_pk`, `status` and `occurred_at` are set for a status change.
 */
export const ocpiOutbox = sqliteTable(
  'ocpi_outbox',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    clientId: text('client_id').notNull(),
    kind: text('kind').notNull(), // location | evse_status | tariff
    objectPk: text('object_pk').notNull(),
    evsePk: text('evse_pk'),
    status: text('status'),
    occurredAt: text('occurred_at'),
  },
  (t) => [
    index('ocpi_outbox_client').on(t.clientId, t.id),
    index('ocpi_outbox_object').on(t.clientId, t.objectPk, t.id),
  ],
);

/**
 * The latitudes between the Web Mercator rows of the finest cluster grid (src/db/tile-cells.ts),
 * computed once in JS, so SQL finds a site's row by an index lookup instead of a logarithm: row
 * `row` is every latitude up to `north` and above the next row's `north`.
 */
export const tileRows = sqliteTable('tile_rows', {
  north: real('north').primaryKey(),
  row: integer('row').notNull(),
});

/**
 * The published sites folded into the cluster grid of every cluster zoom (8 x 8 cells a tile,
 * zooms 0-10): counts, sums and the zoom at which a cell's sites split up. Kept equal to a build
 * from `site_features` by triggers on that table (src/db/tile-cells.ts), so a cluster tile is one
 * primary-key range read of at most 64 rows.
 */
export const tileCells = sqliteTable(
  'tile_cells',
  {
    zoom: integer('zoom').notNull(),
    /** Cell row and column at this zoom: 0..2^(zoom+3)-1, the tile's is y >> 3, x >> 3. */
    y: integer('y').notNull(),
    x: integer('x').notNull(),
    sites: integer('sites').notNull(),
    evses: integer('evses').notNull(),
    installedW: integer('installed_w').notNull(),
    /** Sums of the sites' latitudes and longitudes in 1e-7 degrees (integers: exact under +/-). */
    latSum: integer('lat_sum').notNull(),
    lonSum: integer('lon_sum').notNull(),
    /** The lowest zoom at which the cell's sites are not all in one cell (sites from zoom 11). */
    splitZoom: integer('split_zoom').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.zoom, t.y, t.x] }),
    // Cells a site just left empty, for the trigger that deletes them (the index is empty otherwise).
    index('tile_cells_empty').on(t.sites).where(sql`sites = 0`),
  ],
);

/**
 * What the `sites` layer of a vector tile shows of each published site, in Web Mercator order: the
 * key is the site's cell of the zoom-13 tile grid (row-major) times 2^26, plus a number unique in
 * that cell, so a tile from zoom 11 on is one to four range reads of a rowid B-tree, whose interior
 * pages hold only keys. Kept equal to `site_features` by triggers on it (src/db/site-tiles.ts).
 */
export const siteTiles = sqliteTable('site_tiles', {
  key: integer('key').primaryKey(),
  id: text('id').notNull(),
  lat: real('lat').notNull(),
  lon: real('lon').notNull(),
  evseCount: integer('evse_count').notNull(),
  free: integer('free').notNull(),
  name: text('name'),
  operator: text('operator'),
  maxPowerKw: real('max_power_kw'),
  /** JSON list of { standard, power_kw, count }, as the list feature holds it. */
  connectors: text('connectors'),
  /** As site_features.statuses. */
  statuses: text('statuses').notNull(),
});
