// /v1/evses/{evse_id}/history?from&to: the status intervals of one EVSE. Within the raw retention
// window the intervals are exact; older time is held as hourly aggregates, so there an hour in
// which the status changed is reported as seconds per status (the order within it is not kept).
import { createRoute, z } from '@hono/zod-openapi';
import { publishedEvse } from '../db/queries/status.js';
import { loadTimelines } from '../live/evse-timelines.js';
import { secondsWithin } from '../live/timeline.js';
import { normalizeEvseId } from '../model/ids.js';
import { isCalendarDate, iso } from '../model/iso-time.js';
import { toUtcIso } from '../model/normalize-values.js';
import { ApiError, notFound } from './errors.js';
import { errorResponses, notFoundResponse } from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';

const DAY_MS = 86_400_000;
const MAX_RANGE_DAYS = 92;

/** A date-time (UTC when it names no zone, as OCPI reads them) or a date (its UTC midnight). */
const instant = z.string().transform((s, ctx) => {
  const utc = /^\d{4}-\d{2}-\d{2}$/.test(s) ? (isCalendarDate(s) ? `${s}T00:00:00Z` : null) : toUtcIso(s);
  if (utc === null) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected an ISO 8601 date or date-time, e.g. 2025-01-31T12:00:00Z',
    });
    return z.NEVER;
  }
  return Date.parse(utc);
});

export const timeRangeQuery = {
  from: instant.optional().openapi({
    description: 'start (inclusive), ISO 8601; default: `to` minus 24 h',
    example: '2025-03-01T00:00:00Z',
  }),
  to: instant.optional().openapi({ description: 'end (exclusive), ISO 8601; default and latest: now' }),
};

const historyQuery = z.strictObject(timeRangeQuery);

const historySchema = z
  .object({
    evse: z.object({
      id: z.string(),
      evse_id: z.string().nullable(),
      uid: z.string(),
      location: z.string(),
      known_since: z
        .string()
        .nullable()
        .openapi({
          description:
            'when the atlas first held this EVSE (the pull or push that first listed it, also when its location ' +
            'was held before), from an OCPI feed: its history starts there, whatever older date its first status ' +
            'carried; null for a register, which reports no live status',
        }),
    }),
    from: z.string(),
    to: z.string(),
    intervals: z.array(z.object({ status: z.string(), from: z.string(), to: z.string() })).openapi({
      description:
        'exact intervals (time with no known status is left out: before known_since, and all of a register EVSE)',
    }),
    hourly: z.array(z.object({ hour: z.string(), seconds: z.record(z.string(), z.number()) })).openapi({
      description:
        'rolled-up hours (older than the raw window) in which the status changed: seconds per status',
    }),
    seconds: z
      .record(z.string(), z.number())
      .openapi({ description: 'seconds per status in [from, to), and `unknown`' }),
  })
  .openapi('EvseHistory');

/** [from, to) with defaults (the last 24 h), clipped to now, within the allowed span. */
export function resolveRange(
  q: { from?: number; to?: number },
  now: number,
  maxDays: number,
  defaultMs = DAY_MS,
): { from: number; to: number } {
  const to = Math.min(q.to ?? now, Math.floor(now / 1000) * 1000);
  const from = q.from ?? to - defaultMs;
  if (from >= to) throw new ApiError(400, 'invalid_parameter', 'from: must be before to and before now');
  if (to - from > maxDays * DAY_MS) {
    throw new ApiError(400, 'invalid_parameter', `to: the range may span at most ${maxDays} days`);
  }
  return { from, to };
}

export const historyApp = resourceApp().openapi(
  createRoute({
    method: 'get',
    path: '/{evseId}/history',
    operationId: 'getEvseHistory',
    summary: 'Status intervals of one EVSE',
    description:
      'The EVSE by its id (as in /v1/availability) or its eMI3 evse_id. Exact intervals within the raw ' +
      'retention window (30 days); before it, hours in which the status changed come as seconds per status.',
    tags: ['availability'],
    request: {
      params: z.object({
        evseId: z
          .string()
          .min(1)
          .max(200)
          .openapi({ param: { name: 'evseId', in: 'path' }, example: 'NL*TNM*E12345' }),
      }),
      query: historyQuery,
    },
    responses: {
      200: { description: 'The history', content: { 'application/json': { schema: historySchema } } },
      ...notFoundResponse,
      ...errorResponses,
    },
  }),
  async (c) => {
    const q = c.req.valid('query');
    const { from, to } = resolveRange(q, c.get('now').getTime(), MAX_RANGE_DAYS);
    const db = c.get('db');
    const id = c.req.valid('param').evseId;
    const evse = await publishedEvse(db, id, normalizeEvseId(id));
    if (!evse) throw notFound(`EVSE ${JSON.stringify(id)}`);

    const pieces = (await loadTimelines(db, [evse], from, to)).get(evse.pk) ?? [];
    const intervals: { status: string; from: string; to: string }[] = [];
    const hourly: { hour: string; seconds: Record<string, number> }[] = [];
    const seconds: Record<string, number> = {};
    let known = 0;
    for (const p of pieces) {
      if (p.kind === 'span' && p.status !== null)
        intervals.push({ status: p.status, from: iso(p.start), to: iso(p.end) });
      if (p.kind === 'hour') hourly.push({ hour: iso(p.start), seconds: p.seconds });
      for (const [status, sec] of secondsWithin(p, from, to)) {
        if (status === null) continue;
        seconds[status] = (seconds[status] ?? 0) + sec;
        known += sec;
      }
    }
    const unknown = Math.max(0, Math.round((to - from) / 1000 - known));
    return c.json(
      {
        evse: {
          id: evse.pk,
          evse_id: evse.evse_id,
          uid: evse.uid,
          location: evse.location_pk,
          known_since: evse.known_since,
        },
        from: iso(from),
        to: iso(to),
        intervals,
        hourly,
        seconds: { ...seconds, unknown },
      },
      200,
    );
  },
);
