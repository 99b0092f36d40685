// The generation of the read model's places: a counter in `meta` that moves whenever a site_features
// row is added or removed, or changes its id or position, and stays put when only its contents change
// (a status push rewrites a row's feature and counts, never its place). The in-memory spread index
// (src/db/queries/spread-index.ts) keeps each row's id, position and rowid, so it is rebuilt only when
// this moves, not on every commit. Triggers keep it in the transaction of the write, whatever the
// write path (refresh, removal, rebuild). Created at open time by the Node host, like the outbox
// triggers (drizzle-kit knows nothing of triggers); the Worker on D1 reads pages with SQL and has
// no index, so it does not pay for them. The names carry a version: change a body, bump it.

/** The `meta` key of the counter. */
export const SITE_FEATURES_GEN_KEY = 'site_features_gen';

const BUMP = `INSERT INTO meta (key, value) VALUES ('${SITE_FEATURES_GEN_KEY}', '1')
  ON CONFLICT (key) DO UPDATE SET value = CAST(meta.value AS INTEGER) + 1;`;

const PLACE = ['id', 'lat', 'lon'];

export const SITE_FEATURES_GEN_TRIGGERS: string[] = [
  `CREATE TRIGGER IF NOT EXISTS site_features_gen_v1_insert AFTER INSERT ON site_features BEGIN ${BUMP} END`,
  `CREATE TRIGGER IF NOT EXISTS site_features_gen_v1_delete AFTER DELETE ON site_features BEGIN ${BUMP} END`,
  `CREATE TRIGGER IF NOT EXISTS site_features_gen_v1_update AFTER UPDATE OF ${PLACE.join(', ')} ON site_features
   WHEN ${PLACE.map((c) => `OLD.${c} IS NOT NEW.${c}`).join(' OR ')} BEGIN ${BUMP} END`,
];

/** The triggers' names: an index is only built where all of them exist. */
export const SITE_FEATURES_GEN_TRIGGER_NAMES = ['insert', 'delete', 'update'].map(
  (w) => `site_features_gen_v1_${w}`,
);
