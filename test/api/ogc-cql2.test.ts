// Every CQL2 construct /ogc accepts, checked against a brute-force filter written in plain JS over
// the same features as /v1/sites and /v1/locations return; and the errors (unknown property, bad
// syntax, wrong type) as 400s that say where the filter fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Atlas, buildAtlas, type Json } from './atlas-fixture.js';

let atlas: Atlas;
let sites: Json[];
let locations: Json[];

async function allFeatures(path: string): Promise<Json[]> {
  const out: Json[] = [];
  let url: string | null = `${atlas.server.url}${path}?limit=10000`;
  while (url) {
    const body = (await (await fetch(url)).json()) as Json;
    out.push(...body.features);
    url = body.next;
  }
  return out;
}

/** Every id /ogc returns for the query, following the next links. */
async function ogcIds(collection: string, params: Record<string, string>): Promise<string[]> {
  const ids: string[] = [];
  let url: string | null =
    `${atlas.server.url}/ogc/collections/${collection}/items?${new URLSearchParams({ limit: '37', ...params })}`;
  while (url) {
    const res = await fetch(url);
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    ids.push(...body.features.map((f: Json) => String(f.id)));
    url = body.links.find((l: Json) => l.rel === 'next')?.href ?? null;
  }
  return ids;
}

/** Expects each collection's items to refuse these parameters: a 400 with this code, its message matching. */
async function expectRefused(
  on: Atlas,
  params: Record<string, string>,
  code: string,
  message: RegExp,
  collections = ['sites', 'locations'],
): Promise<void> {
  for (const collection of collections) {
    const res = await fetch(
      `${on.server.url}/ogc/collections/${collection}/items?${new URLSearchParams(params)}`,
    );
    const body = (await res.json()) as Json;
    expect(res.status, collection).toBe(400);
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  }
}

beforeAll(async () => {
  atlas = await buildAtlas({ locations: 500, seed: 1717 });
  sites = await allFeatures('/v1/sites');
  locations = await allFeatures('/v1/locations');
}, 60_000);

afterAll(async () => {
  await atlas?.close();
});

type P = Record<string, Json>;
const lon = (f: Json) => f.geometry.coordinates[0] as number;
const lat = (f: Json) => f.geometry.coordinates[1] as number;
const def = (v: Json) => v !== null && v !== undefined;

/** [filter, brute-force predicate over properties and the feature] for the sites collection. */
const SITE_CASES: [string, (p: P, f: Json) => boolean][] = [
  ['evse_count > 2', (p) => p.evse_count > 2],
  ['evse_count = 3', (p) => p.evse_count === 3],
  ['evse_count <= 1', (p) => p.evse_count <= 1],
  ["operator <> 'Allego'", (p) => def(p.operator) && p.operator !== 'Allego'],
  ['max_power_kw < 100', (p) => def(p.max_power_kw) && p.max_power_kw < 100],
  ['max_power_kw >= 150', (p) => def(p.max_power_kw) && p.max_power_kw >= 150],
  ["country = 'DEU' AND evse_count >= 2", (p) => p.country === 'DEU' && p.evse_count >= 2],
  ["country = 'DEU' OR country = 'FRA'", (p) => p.country === 'DEU' || p.country === 'FRA'],
  ["NOT (country = 'DEU')", (p) => def(p.country) && p.country !== 'DEU'],
  ["country IN ('DEU', 'NLD')", (p) => ['DEU', 'NLD'].includes(p.country)],
  ["country NOT IN ('DEU', 'NLD')", (p) => def(p.country) && !['DEU', 'NLD'].includes(p.country)],
  [
    'max_power_kw BETWEEN 20 AND 150',
    (p) => def(p.max_power_kw) && p.max_power_kw >= 20 && p.max_power_kw <= 150,
  ],
  [
    'max_power_kw NOT BETWEEN 20 AND 150',
    (p) => def(p.max_power_kw) && (p.max_power_kw < 20 || p.max_power_kw > 150),
  ],
  ['country IS NULL', (p) => !def(p.country)],
  ['max_power_kw IS NOT NULL', (p) => def(p.max_power_kw)],
  ["name LIKE 'Charging 1%'", (p) => typeof p.name === 'string' && p.name.startsWith('Charging 1')],
  ["city LIKE 'City _'", (p) => typeof p.city === 'string' && /^City .$/.test(p.city)],
  ["name NOT LIKE '%5'", (p) => typeof p.name === 'string' && !p.name.endsWith('5')],
  ["last_updated >= TIMESTAMP('2024-07-01T00:00:00Z')", (p) => p.last_updated >= '2024-07-01T00:00:00Z'],
  ["last_updated < DATE('2024-03-01')", (p) => p.last_updated < '2024-03-01T00:00:00Z'],
  [
    'S_INTERSECTS(geometry, BBOX(0, 40, 10, 55))',
    (_, f) => lon(f) >= 0 && lon(f) <= 10 && lat(f) >= 40 && lat(f) <= 55,
  ],
  [
    // Across the antimeridian: the west edge is east of the east edge.
    'S_INTERSECTS(geometry, BBOX(170, -20, -170, 20))',
    (_, f) => (lon(f) >= 170 || lon(f) <= -170) && lat(f) >= -20 && lat(f) <= 20,
  ],
  [
    's_intersects(geometry, POLYGON((0 40, 20 40, 0 60, 0 40)))',
    (_, f) => lon(f) >= 0 && lat(f) >= 40 && lon(f) / 20 + (lat(f) - 40) / 20 <= 1,
  ],
  [
    'S_INTERSECTS(geometry, MULTIPOLYGON(((0 40, 5 40, 5 50, 0 50, 0 40)), ((8 40, 12 40, 12 56, 8 56, 8 40))))',
    (_, f) =>
      lat(f) >= 40 &&
      ((lon(f) >= 0 && lon(f) <= 5 && lat(f) <= 50) || (lon(f) >= 8 && lon(f) <= 12 && lat(f) <= 56)),
  ],
  [
    "(evse_count > 1 AND (country = 'DEU' OR operator = 'EnBW')) OR NOT max_power_kw > 50",
    (p) =>
      (p.evse_count > 1 && (p.country === 'DEU' || p.operator === 'EnBW')) ||
      (def(p.max_power_kw) && !(p.max_power_kw > 50)),
  ],
  ["country = 'NLD' and not evse_count < 2", (p) => p.country === 'NLD' && p.evse_count >= 2],
  ['"evse_count" > 3', (p) => p.evse_count > 3],
  ['evse_count > 2 AND TRUE', (p) => p.evse_count > 2],
  // Conditions the database applies first (src/api/ogc/pushdown.ts): bounds either way round,
  // fractional seconds, and the 0.1 kW rounding of max_power_kw.
  [
    "last_updated BETWEEN TIMESTAMP('2024-03-01T00:00:00Z') AND TIMESTAMP('2024-06-30T23:59:59Z')",
    (p) => p.last_updated >= '2024-03-01T00:00:00Z' && p.last_updated <= '2024-06-30T23:59:59Z',
  ],
  ["TIMESTAMP('2024-06-01T00:00:00Z') <= last_updated", (p) => p.last_updated >= '2024-06-01T00:00:00Z'],
  [
    "last_updated > TIMESTAMP('2024-05-01T00:00:00.5Z') AND last_updated < TIMESTAMP('2024-10-01T00:00:00.5Z')",
    (p) => p.last_updated >= '2024-05-01T00:00:01Z' && p.last_updated <= '2024-10-01T00:00:00Z',
  ],
  ['max_power_kw >= 49.96', (p) => def(p.max_power_kw) && p.max_power_kw >= 49.96],
  [
    "max_power_kw > 22 AND last_updated <= DATE('2024-09-01') AND country = 'DEU'",
    (p) => p.max_power_kw > 22 && p.last_updated <= '2024-09-01T00:00:00Z' && p.country === 'DEU',
  ],
];

describe('CQL2 text filters on sites', () => {
  it.each(SITE_CASES)('%s', async (filter, brute) => {
    const expected = sites
      .filter((f) => brute(f.properties, f))
      .map((f) => String(f.id))
      .sort();
    // A case that matches nothing or everything would not show the filter at work.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(sites.length);
    const got = await ogcIds('sites', { filter, 'filter-lang': 'cql2-text' });
    expect(got.length).toBe(new Set(got).size);
    expect([...got].sort()).toEqual(expected);
  });

  it('combines a filter with bbox, datetime and queryable parameters (all must hold)', async () => {
    const got = await ogcIds('sites', {
      filter: 'evse_count >= 2',
      bbox: '-10,35,30,60',
      datetime: '2024-02-01T00:00:00Z/..',
      operator: 'EnBW',
    });
    const expected = sites.filter(
      (f) =>
        f.properties.evse_count >= 2 &&
        lon(f) >= -10 &&
        lon(f) <= 30 &&
        lat(f) >= 35 &&
        lat(f) <= 60 &&
        f.properties.last_updated >= '2024-02-01T00:00:00Z' &&
        f.properties.operator === 'EnBW',
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(got.sort()).toEqual(expected.map((f) => String(f.id)).sort());
  });

  it('reads the draft cql-text that GDAL 3.6 sends, with quoted date-times', async () => {
    const got = await ogcIds('sites', {
      filter: "(evse_count >= 2) AND (last_updated < '2024-06-01T00:00:00Z')",
      'filter-lang': 'cql-text',
    });
    const expected = sites.filter(
      (f) => f.properties.evse_count >= 2 && f.properties.last_updated < '2024-06-01T00:00:00Z',
    );
    expect(got.sort()).toEqual(expected.map((f) => String(f.id)).sort());
  });
});

describe('CQL2 text filters on locations', () => {
  it.each([
    ["source = 'open-a' AND max_power_kw >= 50", (p: P) => p.source === 'open-a' && p.max_power_kw >= 50],
    ["source_location_id LIKE '%1'", (p: P) => String(p.source_location_id).endsWith('1')],
    ['evse_count BETWEEN 2 AND 3', (p: P) => p.evse_count >= 2 && p.evse_count <= 3],
    ["country = 'DEU' AND max_power_kw >= 22", (p: P) => p.country === 'DEU' && p.max_power_kw >= 22],
    ["country IN ('FRA', 'NLD')", (p: P) => ['FRA', 'NLD'].includes(p.country)],
    [
      "last_updated >= TIMESTAMP('2024-04-01T00:00:00Z') AND last_updated < DATE('2024-08-01')",
      (p: P) => p.last_updated >= '2024-04-01T00:00:00Z' && p.last_updated < '2024-08-01T00:00:00Z',
    ],
  ] as const)('%s', async (filter, brute) => {
    const expected = locations.filter((f) => brute(f.properties)).map((f) => String(f.id));
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(locations.length);
    expect((await ogcIds('locations', { filter })).sort()).toEqual(expected.sort());
  });

  it('a TIMESTAMP with a fraction of a second lies between two stored seconds and equals neither', async () => {
    const some = locations[7]!.properties.last_updated as string;
    const half = `${some.slice(0, 19)}.5Z`;
    const ids = (keep: (t: string) => boolean) =>
      locations
        .filter((f) => keep(f.properties.last_updated))
        .map((f) => String(f.id))
        .sort();
    const cases: [string, string[]][] = [
      [`last_updated < TIMESTAMP('${half}')`, ids((t) => t <= some)],
      [`last_updated >= TIMESTAMP('${half}')`, ids((t) => t > some)],
      [
        `last_updated BETWEEN TIMESTAMP('${half}') AND TIMESTAMP('2099-01-01T00:00:00Z')`,
        ids((t) => t > some),
      ],
      [`last_updated IN (TIMESTAMP('${half}'), TIMESTAMP('${some}'))`, ids((t) => t === some)],
      [`last_updated = TIMESTAMP('${half}')`, []],
      // Under a millisecond, which Date.parse drops: still after its second.
      [`last_updated >= TIMESTAMP('${some.slice(0, 19)}.0004Z')`, ids((t) => t > some)],
      [`last_updated = TIMESTAMP('${some.slice(0, 19)}.0004Z')`, []],
    ];
    expect(ids((t) => t === some).length).toBeGreaterThan(0);
    for (const [filter, expected] of cases) {
      expect((await ogcIds('locations', { filter })).sort(), filter).toEqual(expected);
    }
  });

  it('datetime intervals match the brute-force filter, closed and half-open', async () => {
    for (const datetime of ['2024-02-01T00:00:00Z/2024-05-31T12:00:00Z', '../2024-04-01T00:00:00Z']) {
      const [from, to] = datetime.split('/') as [string, string];
      const expected = locations
        .filter(
          (f) => (from === '..' || f.properties.last_updated >= from) && f.properties.last_updated <= to,
        )
        .map((f) => String(f.id));
      expect(expected.length).toBeGreaterThan(0);
      expect((await ogcIds('locations', { datetime })).sort()).toEqual(expected.sort());
    }
  });
});

describe('datetime as OGC API - Features Part 1 reads it', () => {
  /** The locations whose last_updated lies in [from, to] (inclusive strings of YYYY-MM-DDTHH:MM:SSZ). */
  const within = (from: string, to: string) =>
    locations
      .filter((f) => f.properties.last_updated >= from && f.properties.last_updated <= to)
      .map((f) => String(f.id))
      .sort();

  it('a date alone is its whole day, as an instant and as either end of an interval (equal ends too)', async () => {
    const some = locations[Math.floor(locations.length / 2)]!.properties.last_updated as string;
    const day = some.slice(0, 10);
    const wholeDay = within(`${day}T00:00:00Z`, `${day}T23:59:59Z`);
    // At least one that is not at midnight, or the day would read the same as its first instant.
    expect(wholeDay).toContain(String(locations[Math.floor(locations.length / 2)]!.id));
    expect(some.slice(11)).not.toBe('00:00:00Z');
    expect((await ogcIds('locations', { datetime: day })).sort()).toEqual(wholeDay);
    expect((await ogcIds('locations', { datetime: `${day}/${day}` })).sort()).toEqual(wholeDay);
    expect((await ogcIds('locations', { datetime: `../${day}` })).sort()).toEqual(
      within('0000', `${day}T23:59:59Z`),
    );
    expect((await ogcIds('locations', { datetime: `${day}/..` })).sort()).toEqual(
      within(`${day}T00:00:00Z`, '9999'),
    );
    // A date-time end is that second, not its day; equal date-time ends are that one second.
    expect((await ogcIds('locations', { datetime: `${day}/${some}` })).sort()).toEqual(
      within(`${day}T00:00:00Z`, some),
    );
    expect((await ogcIds('locations', { datetime: `${some}/${some}` })).sort()).toEqual(within(some, some));
  });

  it('a date-time with a fraction of a second is that instant, between two stored seconds', async () => {
    const some = locations[7]!.properties.last_updated as string;
    const half = `${some.slice(0, 19)}.5Z`;
    expect((await ogcIds('locations', { datetime: `${half}/..` })).sort()).toEqual(
      within(`${some}~`, '9999'),
    );
    expect((await ogcIds('locations', { datetime: `../${half}` })).sort()).toEqual(within('0000', some));
    expect(await ogcIds('locations', { datetime: half })).toEqual([]);
  });

  it.each([
    ['2024-06-01T00:00:00Z/2024-05-01T00:00:00Z', /end "2024-05-01T00:00:00Z" is before the start/],
    ['2024-06-01T00:00:01Z/2024-06-01T00:00:00Z', /is before the start/],
    ['2024-06-02/2024-06-01', /end "2024-06-01" is before the start "2024-06-02"/],
    ['2024-06-02T00:00:00Z/2024-06-01', /is before the start/],
  ])('refuses %s', async (datetime, message) => {
    await expectRefused(
      atlas,
      { datetime },
      'invalid_parameter',
      new RegExp(`^datetime: .*${message.source}`),
    );
  });
});

describe('bad filters are 400s that say where they fail', () => {
  it.each([
    ['foo = 1', /unknown property "foo".*position 1/],
    ['evse_count > 2 AND colour IS NULL', /unknown property "colour".*position 20/],
    ['evse_count >', /expected a property name or a literal but found the end of the filter at position 13/],
    ["country = 'DEU' AND", /at position 20/],
    ["country IN ('DEU'", /expected "\)" .*at position 18/],
    ["name = 'unterminated", /unterminated string at position 8/],
    ['evse_count = = 3', /at position 14/],
    ['evse_count ! 3', /unexpected character "!" at position 12/],
    ["evse_count = 'three'", /cannot compare evse_count \(number\) with a string literal at position 12/],
    ['name > 3', /cannot compare name \(string\) with a number literal/],
    ['last_updated > 5', /cannot compare last_updated \(instant\) with a number literal/],
    ["last_updated > '2024-01-01'", /cannot compare last_updated \(instant\) with a string literal/],
    ["evse_count LIKE '3%'", /LIKE needs a string/],
    ["last_updated > TIMESTAMP('yesterday')", /TIMESTAMP needs an RFC 3339 instant/],
    ['S_INTERSECTS(name, BBOX(0,0,1,1))', /S_INTERSECTS needs the geometry property/],
    ['S_INTERSECTS(geometry, BBOX(0,0,1))', /expected "," but found "\)"/],
    ['S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1)))', /a polygon ring needs at least 4 positions/],
    ['S_INTERSECTS(geometry, BBOX(0,0,200,1))', /coordinates must be longitude within -180..180/],
    ['geometry = 3', /geometry is a geometry: use it in S_INTERSECTS/],
  ])('%s', async (filter, message) => {
    await expectRefused(atlas, { filter }, 'invalid_filter', message, ['sites']);
  });

  it('refuses parentheses and NOTs nested deeper than 100, which ran the parser out of stack (a 500)', async () => {
    // Parentheses unencoded, as a URL may carry them: 3,000 deep is 6 KB of query.
    for (const filter of [
      `${'('.repeat(3000)}evse_count>1${')'.repeat(3000)}`,
      `${'NOT('.repeat(1500)}evse_count>1${')'.repeat(1500)}`,
    ]) {
      const res = await fetch(`${atlas.server.url}/ogc/collections/sites/items?filter=${filter}`);
      const body = (await res.json()) as Json;
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(body.error.code).toBe('invalid_filter');
      expect(body.error.message).toMatch(/nests parentheses and NOTs deeper than 100 at position \d+/);
    }
    await expectRefused(
      atlas,
      { filter: `${'('.repeat(101)}evse_count>1${')'.repeat(101)}` },
      'invalid_filter',
      /deeper than 100/,
    );
    expect(
      (await ogcIds('sites', { filter: `${'('.repeat(100)}evse_count>1${')'.repeat(100)}` })).length,
    ).toBeGreaterThan(0);
  });

  it('refuses another filter language and another filter CRS', async () => {
    for (const q of [
      'filter=evse_count>1&filter-lang=cql2-json',
      'filter=evse_count>1&filter-crs=http://www.opengis.net/def/crs/EPSG/0/3857',
    ]) {
      const res = await fetch(`${atlas.server.url}/ogc/collections/sites/items?${q}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as Json).error.code).toBe('invalid_parameter');
    }
  });
});

describe('LIKE escapes, decided alike by the database and by the features', () => {
  let small: Atlas;
  /** The city each of the first published locations is given, so that the patterns below have text to tell apart. */
  const CITIES = ['100%', '100x', 'a_b', 'axb', 'A_B', 'C:\\dir', 'C:/dir', '🔌 Hub', 'x Hub', 'ab\\%'];
  let idOf: Map<string, string>;

  beforeAll(async () => {
    small = await buildAtlas({ locations: 60, seed: 4242 });
    const body = (await (await fetch(`${small.server.url}/v1/locations?limit=100`)).json()) as Json;
    const ids: string[] = body.features.slice(0, CITIES.length).map((f: Json) => String(f.id));
    await small.db.batch(
      ids.map((id, i) => ({ sql: 'UPDATE locations SET city = ? WHERE pk = ?', params: [CITIES[i], id] })),
    );
    idOf = new Map(CITIES.map((c, i) => [c, ids[i]!]));
  }, 60_000);

  afterAll(async () => {
    await small?.close();
  });

  async function ids(collection: string, filter: string): Promise<string[]> {
    const res = await fetch(
      `${small.server.url}/ogc/collections/${collection}/items?${new URLSearchParams({ filter, limit: '1000' })}`,
    );
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body.features.map((f: Json) => String(f.id)).sort();
  }

  it.each([
    ["city LIKE '100\\%'", ['100%']],
    ["city LIKE 'a\\_b'", ['a_b']],
    ["city LIKE 'C:\\\\dir'", ['C:\\dir']],
    ["city LIKE '%\\\\\\%'", ['ab\\%']],
    ["city LIKE '_ Hub'", ['🔌 Hub', 'x Hub']],
  ])('%s', async (filter, cities) => {
    const expected = cities.map((c) => idOf.get(c)!).sort();
    // Pushed to SQL (a top-level LIKE on a stored column) and decided on the features alone (under OR).
    expect(await ids('locations', filter)).toEqual(expected);
    expect(await ids('locations', `(${filter}) OR FALSE`)).toEqual(expected);
  });

  it.each([
    [
      "city LIKE 'abc\\'",
      /LIKE pattern 'abc\\': the \\ at its character 4 ends it, but only escapes %, _ or \\/,
    ],
    ["city LIKE 'a\\bc'", /the \\ at its character 2 is before "b"/],
    ["city NOT LIKE '\\'", /ends it/],
  ])('refuses a malformed pattern: %s', async (filter, message) => {
    await expectRefused(small, { filter }, 'invalid_filter', message);
  });
});
