// /v1/sites: physical charging sites (dedupe groups, or single locations before dedupe) as GeoJSON.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { LocationFilter } from '../db/queries/locations.js';
import { evsesOf } from '../db/queries/locations.js';
import { siteFeaturesByIds, siteFeaturesInBbox } from '../db/queries/site-features.js';
import type { SitePoint } from '../db/queries/sites.js';
import { findSite, siteMembers, sitePoints } from '../db/queries/sites.js';
import { listSources } from '../db/queries/sources.js';
import { tariffsOfLocations } from '../db/queries/tariffs.js';
import type { Db } from '../db/types.js';
import type { AppEnv } from './deps.js';
import { notFound } from './errors.js';
import {
  collectionFrame,
  distancePage,
  keysetPage,
  nearSearchBox,
  type Page,
  renderedGeoJson,
  storedPageTag,
} from './feature-pages.js';
import {
  errorResponses,
  GEOJSON,
  geojsonOk,
  idParams,
  noQueryParams,
  notFoundResponse,
  type SiteFeature,
  siteCollectionSchema,
  siteDetailFeatureSchema,
} from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';
import { filterOf, type SiteQueryParams, siteQuerySchema } from './query-params.js';
import { siteDetail } from './site-features.js';

const movedSchema = z
  .object({ moved_to: z.string().openapi({ description: 'the URL of the site now' }) })
  .openapi('Moved');

const listRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'listSites',
  summary: 'Sites as a GeoJSON FeatureCollection',
  description:
    'A site is one physical place: the published locations that dedupe grouped, or one location. ' +
    'Pages are in a stable order (a hash of the id, so a limited bbox answer is spread over the whole box), ' +
    'or by distance with `point` (or `near`). A site matches when one of its locations matches every filter.',
  tags: ['sites'],
  request: { query: siteQuerySchema },
  responses: { ...geojsonOk(siteCollectionSchema, 'A page of sites'), ...errorResponses },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/{id}',
  operationId: 'getSite',
  summary: 'One site with EVSEs, connectors, status, tariffs, opening hours, sources and provenance',
  tags: ['sites'],
  request: { params: idParams, query: noQueryParams },
  responses: {
    ...geojsonOk(siteDetailFeatureSchema, 'The site'),
    301: {
      description: 'The site was merged into another (or the id is a location of a site): see Location',
      content: { 'application/json': { schema: movedSchema } },
    },
    ...notFoundResponse,
    ...errorResponses,
  },
});

const utf8 = new TextEncoder();

const noFilter = (f: LocationFilter) => Object.values(f).every((v) => v === undefined);

/** One page of matching sites: by id, or by distance for `near`. */
export async function sitePage(db: Db, q: SiteQueryParams): Promise<Page<SitePoint>> {
  const filter = filterOf(q);
  if (q.near) {
    const box = nearSearchBox(q);
    return box ? distancePage(await sitePoints(db, { bbox: box, filter }), q) : { items: [], next: null };
  }
  return keysetPage(
    await sitePoints(db, { bbox: q.bbox, filter, after: q.cursor?.k, limit: q.limit + 1 }),
    q.limit,
  );
}

/**
 * A page of list features as the answer's bytes. Without filters (a map panning) the page comes
 * straight from the read model's spread index, SQLite joins its stored features into the body, and
 * its ETag comes from the rows' revisions rather than a hash of the body (SHA-256 of 700 KB was
 * ~0.45 ms of a ~4 ms answer); with filters or `near` the matching sites are found first and their
 * stored features read by id. Either way no feature is assembled per request.
 */
async function siteListResponse(c: Context<AppEnv>, q: SiteQueryParams) {
  const db = c.get('db');
  if (!q.near && noFilter(filterOf(q))) {
    const page = await siteFeaturesInBbox(db, { bbox: q.bbox, after: q.cursor?.k, limit: q.limit }, (after) =>
      collectionFrame(c, after ? { k: after } : null),
    );
    return renderedGeoJson(c, page.body, siteCollectionSchema, storedPageTag(page.frame, page.revision));
  }
  const page = await sitePage(db, q);
  const texts = await siteFeatureTexts(db, page.items, page.distances);
  const frame = collectionFrame(c, page.next);
  return renderedGeoJson(c, utf8.encode(frame.head + texts.join(',') + frame.tail), siteCollectionSchema);
}

/** The stored features of these sites in their order, with `distance_m` for a distance query. */
async function siteFeatureTexts(db: Db, points: SitePoint[], distances?: Map<string, number>) {
  const stored = await siteFeaturesByIds(
    db,
    points.map((p) => p.id),
  );
  const out: string[] = [];
  for (const p of points) {
    const text = stored.get(p.id);
    if (text === undefined) continue;
    // The stored feature ends with its properties' and its own closing braces.
    out.push(
      distances ? `${text.slice(0, -2)},"distance_m":${JSON.stringify(distances.get(p.id) ?? null)}}}` : text,
    );
  }
  return out;
}

/** The list view of these sites as objects (dumps), from the read model. */
export async function siteList(db: Db, points: SitePoint[]): Promise<SiteFeature[]> {
  return (await siteFeatureTexts(db, points)).map((t) => JSON.parse(t) as SiteFeature);
}

/** Everything the full features of these sites need (EVSE rows included), in a fixed number of queries. */
export async function siteData(db: Db, points: SitePoint[]) {
  const members = await siteMembers(db, points);
  const locationPks = [...members.locations.values()].flat().map((l) => l.pk);
  const { evses, connectors } = await evsesOf(db, locationPks);
  return { points, ...members, evses, connectors };
}

export const sitesApp = resourceApp()
  .openapi(listRoute, async (c) => {
    return siteListResponse(c, c.req.valid('query'));
  })
  .openapi(detailRoute, async (c) => {
    const db = c.get('db');
    const { id } = c.req.valid('param');
    const found = await findSite(db, id);
    if (found.found === 'none') throw notFound(`site ${JSON.stringify(id)}`);
    if (found.found === 'moved') {
      const to = `/v1/sites/${encodeURIComponent(found.to)}`;
      return c.json({ moved_to: to }, 301, { Location: to });
    }
    const data = await siteData(db, [found.point]);
    const locations = data.locations.get(found.point.id) ?? [];
    const [tariffs, sources] = await Promise.all([
      tariffsOfLocations(
        db,
        locations.map((l) => l.pk),
      ),
      listSources(db),
    ]);
    const feature = siteDetail({
      site: found.point,
      locations,
      row: data.rows.get(found.point.id),
      evses: data.evses,
      connectors: data.connectors,
      tariffs,
      sources,
    });
    return c.json(feature, 200, { 'Content-Type': GEOJSON });
  });
