// The two feature collections /ogc serves: `sites` (one feature per physical site, after dedupe)
// and `locations` (one per source record). Each reads through the same published-only queries and
// feature builders as /v1/sites and /v1/locations, so both APIs answer with the same features.
import type { Feature, Point } from 'geojson';
import {
  evsesOf,
  type LocationFilter,
  publishedLocation,
  publishedLocationIds,
  publishedLocationsByPk,
} from '../../db/queries/locations.js';
import {
  type Extent,
  locationIdsBefore,
  publishedExtent,
  publishedSiteCount,
  sitePointsBefore,
} from '../../db/queries/ogc-items.js';
import { findSite, type SitePoint, sitePoints } from '../../db/queries/sites.js';
import type { Db } from '../../db/types.js';
import type { Bbox } from '../../model/geo.js';
import { locationFeatures as locationFeaturesOf } from '../location-features.js';
import { siteList } from '../sites.js';
import type { Queryables } from './cql2-eval.js';

/** An item to read: its id and, for sites, whether it is a dedupe group or a lone location. */
export type ItemKey = Pick<SitePoint, 'id' | 'kind'>;

export type ItemLookup =
  | { found: 'item'; feature: Feature<Point> }
  | { found: 'moved'; to: string }
  | { found: 'none' };

export interface OgcCollection {
  id: 'sites' | 'locations';
  title: string;
  description: string;
  queryables: Queryables;
  extent(db: Db): Promise<Extent>;
  /**
   * Up to `limit` item keys after `after` (from the start without it), in ascending id order, of
   * the items in the box that may match `filter` (the database's share of the items filter).
   */
  after(
    db: Db,
    box: Bbox | undefined,
    after: string | undefined,
    limit: number,
    filter: LocationFilter,
  ): Promise<ItemKey[]>;
  /** Up to `limit` item keys before `before`, in descending id order. */
  before(
    db: Db,
    box: Bbox | undefined,
    before: string,
    limit: number,
    filter: LocationFilter,
  ): Promise<ItemKey[]>;
  /** How many items the collection holds unfiltered, when that is cheap to know (else null). */
  count(db: Db): Promise<number | null>;
  /** The features of these keys, in the same order. */
  features(db: Db, keys: ItemKey[]): Promise<Feature<Point>[]>;
  find(db: Db, id: string): Promise<ItemLookup>;
}

const text = (title: string) => ({ type: 'string' as const, title });

const COMMON: Queryables = {
  id: text('Identifier of the feature'),
  name: text('Name'),
  address: text('Street address'),
  city: text('City'),
  postal_code: text('Postal code'),
  country: text('Country, ISO 3166-1 alpha-3'),
  operator: text('Operator name'),
  evse_count: { type: 'integer', title: 'Number of EVSEs (charge points) in service' },
  max_power_kw: { type: 'number', title: 'Strongest connector, kW' },
  last_updated: { type: 'date-time', title: 'Last change reported by the source (OCPI last_updated)' },
  geometry: { type: 'geometry', title: 'Position (WGS 84 longitude, latitude)' },
};

const sites: OgcCollection = {
  id: 'sites',
  title: 'Charging sites',
  description:
    'One feature per physical charging site: the published locations that dedupe grouped into one site ' +
    '(or one location on its own), with EVSE counts, status and connector summaries.',
  queryables: {
    ...COMMON,
    connector_count: { type: 'integer', title: 'Number of connectors in service' },
  },
  extent: (db) => publishedExtent(db, true),
  after: (db, box, after, limit, filter) => sitePoints(db, { bbox: box, filter, after, limit }),
  before: (db, box, before, limit, filter) => sitePointsBefore(db, box, before, limit, filter),
  count: publishedSiteCount,
  features: (db, keys) => siteList(db, keys as SitePoint[]),
  async find(db, id) {
    const found = await findSite(db, id);
    if (found.found !== 'site') return found;
    const [feature] = await siteList(db, [found.point]);
    return feature ? { found: 'item', feature } : { found: 'none' };
  },
};

async function locationFeatures(db: Db, ids: string[]): Promise<Feature<Point>[]> {
  const rows = await publishedLocationsByPk(db, ids);
  const order = new Map(ids.map((id, i) => [id, i]));
  rows.sort((a, b) => order.get(a.pk)! - order.get(b.pk)!);
  const { evses, connectors } = await evsesOf(db, ids);
  return locationFeaturesOf(rows, evses, connectors);
}

const locations: OgcCollection = {
  id: 'locations',
  title: 'Source locations',
  description:
    'One feature per published location as its source reports it, before dedupe groups them into sites.',
  queryables: {
    ...COMMON,
    source: text('Source id (see /v1/sources)'),
    source_location_id: text("The location's id at its source"),
  },
  extent: (db) => publishedExtent(db, false),
  async after(db, box, after, limit, filter) {
    const ids = await publishedLocationIds(db, { bbox: box, filter, after, limit });
    return ids.map((id) => ({ id, kind: 'lone' }));
  },
  async before(db, box, before, limit, filter) {
    return (await locationIdsBefore(db, box, before, limit, filter)).map((id) => ({ id, kind: 'lone' }));
  },
  // Published locations have no stored count: counting them reads every location row (the
  // publication rule is on each), too much for a page of a 1M-EVSE atlas.
  count: async () => null,
  features: (db, keys) =>
    locationFeatures(
      db,
      keys.map((k) => k.id),
    ),
  async find(db, id) {
    const row = await publishedLocation(db, id);
    if (!row) return { found: 'none' };
    const [feature] = await locationFeatures(db, [row.pk]);
    return feature ? { found: 'item', feature } : { found: 'none' };
  },
};

export const COLLECTIONS: Record<string, OgcCollection> = { sites, locations };
