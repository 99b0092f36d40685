// Telling an OCPI Locations list from something that only looks like one. Voltrelli, listed among
// OCM's OCPI feeds, sends `postalCode`, `timeZone`, `lastUpdated`, `evseId`, `powerType`: ingesting
// it as OCPI would silently lose every one of those fields, so we refuse it with a clear message.

// OCPI's multi-word Location / EVSE / Connector keys, by their camelCase spelling.
const CAMEL_TO_SNAKE = new Map(
  [
    'country_code',
    'party_id',
    'postal_code',
    'time_zone',
    'last_updated',
    'parking_type',
    'related_locations',
    'opening_times',
    'charging_when_closed',
    'energy_mix',
    'publish_allowed_to',
    'evse_id',
    'status_schedule',
    'floor_level',
    'physical_reference',
    'parking_restrictions',
    'power_type',
    'max_voltage',
    'max_amperage',
    'max_electric_power',
    'tariff_id',
    'tariff_ids',
    'terms_and_conditions',
  ].map((snake) => [snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), snake]),
);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** camelCase spellings of OCPI keys used in a Location and its EVSEs and connectors. */
function camelKeysOf(location: Record<string, unknown>, into: Set<string>): void {
  const visit = (o: Record<string, unknown>) => {
    for (const key in o) if (CAMEL_TO_SNAKE.has(key)) into.add(key);
  };
  visit(location);
  if (!Array.isArray(location.evses)) return;
  for (const evse of location.evses) {
    if (!isRecord(evse)) continue;
    visit(evse);
    if (Array.isArray(evse.connectors)) for (const c of evse.connectors) if (isRecord(c)) visit(c);
  }
}

/**
 * Throws when `items` are plainly not OCPI Locations: not objects, or mostly without `id` and
 * `coordinates`, or spelling OCPI's keys in camelCase. One stray camelCase key (EV24's
 * `subOperator`) is tolerated; a record counts as camelCase from two distinct such keys on.
 */
export function assertOcpiLocations(items: unknown[]): void {
  if (items.length === 0) return;
  const majority = Math.floor(items.length / 2) + 1;
  let notObjects = 0;
  let unplaced = 0;
  let camelRecords = 0;
  const camelSeen = new Set<string>();
  for (const item of items) {
    if (!isRecord(item)) {
      notObjects++;
      continue;
    }
    if (item.id === undefined || !isRecord(item.coordinates)) unplaced++;
    const keys = new Set<string>();
    camelKeysOf(item, keys);
    if (keys.size >= 2) camelRecords++;
    for (const k of keys) camelSeen.add(k);
  }
  if (notObjects > 0) {
    throw new Error(`not OCPI: ${notObjects} of ${items.length} records are not JSON objects`);
  }
  if (camelRecords >= majority) {
    const camel = [...camelSeen].slice(0, 6);
    const snake = camel.map((k) => CAMEL_TO_SNAKE.get(k));
    throw new Error(
      `not OCPI: ${camelRecords} of ${items.length} records use camelCase keys (${camel.join(', ')}, ...) ` +
        `where OCPI uses snake_case (${snake.join(', ')}, ...)`,
    );
  }
  if (unplaced >= majority) {
    throw new Error(
      `not OCPI: ${unplaced} of ${items.length} records lack an \`id\` or a \`coordinates\` object, ` +
        'so they are not OCPI Locations',
    );
  }
}
