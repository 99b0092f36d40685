// /v1/availability: is a charger free now? Current status per EVSE in a box or at some locations,
// compactly, with a cursor (the id of the last status event) so a map can poll for changes only;
// and /v1/availability/stream, the same changes pushed as Server-Sent Events.
import { createRoute, z } from '@hono/zod-openapi';
import {
  currentStatuses,
  type EvseStatusRow,
  latestEventId,
  oldestEventId,
  type StatusArea,
  statusChangesSince,
} from '../db/queries/status.js';
import type { Db } from '../db/types.js';
import { AvailabilityStream, TooManyClients } from '../live/availability-stream.js';
import { silentLogger } from '../log.js';
import { iso } from '../model/iso-time.js';
import type { AppDeps } from './deps.js';
import { ApiError } from './errors.js';
import { errorResponses, errorSchema } from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';
import { bboxParam, limitParam } from './params.js';

export const DEFAULT_STALE_AFTER_S = 900;
const MAX_SNAPSHOT = 50_000;
const MAX_LOCATION_IDS = 500;

/** The columns of each row of `evses`, in order: the answer is arrays, not objects, to stay small. */
export const AVAILABILITY_FIELDS = ['id', 'location', 'evse_id', 'status', 'since', 'stale'] as const;

const cursorParam = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a cursor returned by this endpoint')
  .transform(Number);

const locationIdsParam = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  )
  .refine((ids) => ids.length > 0, 'at least one location id')
  .refine((ids) => ids.length <= MAX_LOCATION_IDS, `at most ${MAX_LOCATION_IDS} location ids`);

const bboxDoc = {
  description: 'minLon,minLat,maxLon,maxLat (WGS 84); minLon > maxLon crosses the antimeridian',
};

const availabilityQuery = z.strictObject({
  bbox: bboxParam.optional().openapi(bboxDoc),
  locations: locationIdsParam.optional().openapi({
    description: `location ids (as in /v1/locations), comma-separated, at most ${MAX_LOCATION_IDS}`,
  }),
  since: cursorParam.optional().openapi({
    description: 'a `cursor` from an earlier answer: only EVSEs whose status changed after it',
  }),
  limit: limitParam(MAX_SNAPSHOT, 20_000).openapi({
    description:
      'snapshot: most EVSEs answered (more is a 400); with since: most status events looked at per call',
  }),
});

const streamQuery = z.strictObject({
  bbox: bboxParam.openapi(bboxDoc),
  since: cursorParam.optional().openapi({
    description: 'resume after this event id (a `cursor` of /v1/availability); the Last-Event-ID header wins',
  }),
});

const availabilitySchema = z
  .object({
    cursor: z.string().openapi({ description: 'pass as `since` to get only later changes' }),
    full: z
      .boolean()
      .openapi({ description: 'true: every EVSE of the area (replace your state); false: changes only' }),
    more: z.boolean().openapi({ description: 'changes only: more changes wait after `cursor`' }),
    stale_after_s: z.number(),
    generated_at: z.string(),
    fields: z.array(z.string()),
    evses: z.array(z.array(z.union([z.string(), z.boolean(), z.null()]))).openapi({
      description:
        'one row per EVSE in the order of `fields`: id, location id, eMI3 evse_id, status, since (when the CPO says the status took effect), stale (older than stale_after_s)',
    }),
  })
  .openapi('Availability');

/**
 * Rows an answer may read on the event loop; a request that may read more goes to a read worker on
 * Node (src/node/heavy-reads.ts). Before any SQL runs only the limit bounds what an answer reads: a
 * snapshot reads at most `limit` + 1 EVSEs of its area, and a walk of changes at most `limit` + 1
 * status events whatever its area. A box's size says little of its EVSEs: the bench database spreads
 * ~1,300 over a tenth of a square degree, while in the IRVE file (../shared) one such square of Paris
 * holds 3,384 of France's 56,507 points. Measured on the 1M-EVSE database (session 17, warm): ~10 us a
 * row read, so 1,000 rows ~10 ms; at the default limit (20,000) a world box is refused after
 * 0.1-0.2 s (1.1-1.9 s while the refusal read every EVSE), a walk of 20,000 changes takes 0.2 s.
 */
export const IN_PROCESS_ROWS = 1_000;

/**
 * Whether a query to /v1/availability may read more than IN_PROCESS_ROWS rows. A snapshot of listed
 * locations stays on the event loop although it may read more: the EVSEs of at most MAX_LOCATION_IDS
 * locations (500 of 3 EVSEs each: ~1,500 rows, ~15 ms at the figure above; more for large hubs; not
 * measured). So does a query this route refuses (a cheap 400).
 */
export function availabilityMayReadMuch(query: Record<string, string>): boolean {
  const q = availabilityQuery.safeParse(query);
  if (!q.success || q.data.limit <= IN_PROCESS_ROWS) return false;
  if (q.data.since !== undefined) return q.data.bbox !== undefined || q.data.locations !== undefined;
  return q.data.bbox !== undefined && q.data.locations === undefined;
}

function areaOf(q: { bbox?: StatusArea['bbox']; locations?: string[] }): StatusArea {
  if (!q.bbox && !q.locations) {
    throw new ApiError(400, 'invalid_parameter', 'bbox or locations: one of them is required');
  }
  return { bbox: q.bbox, locationPks: q.locations };
}

/** A status is stale when the CPO has not confirmed it for longer than the threshold. */
function rowOf(r: EvseStatusRow, staleBefore: string) {
  const since = r.status_updated_at;
  return [
    r.evse_pk,
    r.location_pk,
    r.evse_id,
    r.removed ? 'REMOVED' : r.status,
    since,
    since === null || since < staleBefore,
  ];
}

const snapshotRoute = createRoute({
  method: 'get',
  path: '/',
  operationId: 'getAvailability',
  summary: 'Current status of every EVSE in an area, or only what changed after a cursor',
  description:
    'Compact rows with a cursor (the id of the last status event). Poll with `since=<cursor>` to get only ' +
    'the EVSEs whose status changed; `full: true` in an answer to `since` means the cursor could not be ' +
    'resumed and the answer is a whole snapshot. A status is stale when the CPO has not confirmed it ' +
    'for longer than `stale_after_s`.',
  tags: ['availability'],
  request: { query: availabilityQuery },
  responses: {
    200: { description: 'Statuses', content: { 'application/json': { schema: availabilitySchema } } },
    ...errorResponses,
  },
});

const streamRoute = createRoute({
  method: 'get',
  path: '/stream',
  operationId: 'streamAvailability',
  summary: 'Server-Sent Events of status changes in an area',
  description:
    'Each change is an `event: status` whose `id` is the event id; reconnect with `Last-Event-ID` (or ' +
    '`since`) to resume without gaps or repeats. Comment lines are heartbeats. An `event: reset` means ' +
    'the id could not be resumed: reload /v1/availability. A client that reads too slowly is ' +
    'disconnected and resumes on reconnection.',
  tags: ['availability'],
  request: {
    query: streamQuery,
    headers: z.object({
      'last-event-id': z.string().optional().openapi({
        description:
          'Last-Event-ID: the `id` of the last event received; resume after it (wins over `since`)',
      }),
    }),
  },
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...errorResponses,
    503: {
      description: 'Too many stream clients, or the server is shutting down; see Retry-After',
      content: { 'application/json': { schema: errorSchema } },
    },
  },
});

export function createAvailabilityApp(deps: AppDeps) {
  const staleAfterS = deps.staleAfterS ?? DEFAULT_STALE_AFTER_S;
  let stream: AvailabilityStream | undefined;
  const streamHub = () => {
    stream ??= new AvailabilityStream(
      deps.getDb,
      deps.statusNotifier,
      deps.log ?? silentLogger,
      deps.stream,
      deps.streamReplay,
    );
    return stream;
  };
  deps.shutdown?.addEventListener('abort', () => stream?.close(), { once: true });

  return resourceApp()
    .openapi(snapshotRoute, async (c) =>
      c.json(await availability(c.get('db'), c.req.valid('query'), c.get('now').getTime(), staleAfterS), 200),
    )
    .openapi(streamRoute, async (c) => {
      const q = c.req.valid('query');
      const lastEventId = lastEventIdOf(c.req.header('Last-Event-ID'), q.since ?? null);
      // One shared hub per process on Node. On Workers a stream may not be fed from another
      // request's I/O context, so each stream gets its own hub (polling D1 by id on its own).
      const db = c.get('db');
      const hub =
        db.kind === 'sqlite'
          ? streamHub()
          : new AvailabilityStream(() => db, undefined, deps.log ?? silentLogger, deps.stream);
      if (deps.shutdown?.aborted) {
        throw new ApiError(503, 'shutting_down', 'the server is shutting down; reconnect shortly', {
          'Retry-After': '5',
        });
      }
      let body: ReadableStream<Uint8Array>;
      try {
        body = await hub.open(q.bbox, lastEventId);
      } catch (err) {
        if (err instanceof TooManyClients) {
          throw new ApiError(503, 'busy', 'too many stream clients; retry later', { 'Retry-After': '30' });
        }
        throw err;
      }
      return new Response(body, {
        headers: {
          'Content-Type': 'text/event-stream; charset=utf-8',
          'Cache-Control': 'no-cache, no-transform',
          // nginx and similar proxies buffer responses unless told not to.
          'X-Accel-Buffering': 'no',
        },
      });
    });
}

/** Last-Event-ID wins over `since`; a header that is no event id of ours is a 400. */
function lastEventIdOf(header: string | undefined, since: number | null): number | null {
  if (header === undefined || header.trim() === '') return since;
  const parsed = cursorParam.safeParse(header.trim());
  if (!parsed.success)
    throw new ApiError(400, 'invalid_parameter', 'Last-Event-ID: not an event id of this stream');
  return parsed.data;
}

/** The changes after a usable cursor, else a whole snapshot of the area. */
async function availability(db: Db, q: z.infer<typeof availabilityQuery>, now: number, staleAfterS: number) {
  const area = areaOf(q);
  const staleBefore = iso(now - staleAfterS * 1000);
  const base = { stale_after_s: staleAfterS, generated_at: iso(now), fields: [...AVAILABILITY_FIELDS] };
  if (q.since !== undefined) {
    const [latest, oldest] = [await latestEventId(db), await oldestEventId(db)];
    // A cursor from before the raw retention window, or from another database: start over.
    const usable = q.since <= latest && (oldest === null || q.since >= oldest - 1);
    if (usable) {
      const changes = await statusChangesSince(db, area, q.since, q.limit);
      return {
        ...base,
        cursor: String(changes.lastId),
        full: false,
        more: changes.more,
        evses: changes.rows.map((r) => rowOf(r, staleBefore)),
      };
    }
  }
  // The cursor is read before the statuses: a change in between is sent again, never lost.
  const cursor = await latestEventId(db);
  const rows = await currentStatuses(db, area, q.limit);
  if (rows.length > q.limit) {
    throw new ApiError(
      400,
      'too_many_evses',
      `more than ${q.limit} EVSEs in this area: use a smaller bbox or a higher limit (at most ${MAX_SNAPSHOT})`,
    );
  }
  return {
    ...base,
    cursor: String(cursor),
    full: true,
    more: false,
    evses: rows.map((r) => rowOf(r, staleBefore)),
  };
}
