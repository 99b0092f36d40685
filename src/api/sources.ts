// /v1/sources: who we aggregate, under which licence, and how their syncs are going. Never a token.
import { createRoute, z } from '@hono/zod-openapi';
import { licenseAllowsRepublishing } from '../db/queries/publication.js';
import {
  getSource,
  latestRuns,
  listSources,
  quarantineOf,
  type SourceRow,
  type SyncRunRow,
  sourceCounts,
  warningCounts,
} from '../db/queries/sources.js';
import { notFound } from './errors.js';
import { errorResponses, idParams, jsonOk, noQueryParams, notFoundResponse } from './geojson-schemas.js';
import { resourceApp } from './http/validation.js';
import { limitParam } from './params.js';

const count = z.number().int();
const text = z.string().nullable();

const runSchema = z
  .object({
    id: count,
    kind: z.string().openapi({ description: 'full or incremental (or register)' }),
    status: z.string().openapi({ description: 'running, success, partial, failed, suspect, interrupted' }),
    started_at: z.string(),
    finished_at: text,
    version: text.openapi({ description: 'OCPI version used' }),
    date_from: text,
    pages: count,
    requests: count,
    retries: count,
    upserted: count,
    unchanged: count,
    removed: count,
    quarantined: count,
    duplicates: count,
    warnings: count,
    tariffs_upserted: count,
    error: text,
  })
  .openapi('SyncRun');

const countsSchema = z
  .object({
    locations: count,
    published_locations: count.openapi({
      description:
        'held records that pass the per-record rules (publish flag, life cycle, own licence); none of them is served while the source is `published: false`',
    }),
    removed_locations: count,
    decommissioned_locations: count.openapi({
      description: 'held with life cycle `removed`: kept, never published',
    }),
    license_withheld_locations: count.openapi({
      description: 'held, but their own licence forbids republishing (e.g. a NonCommercial OCM provider)',
    }),
    evses: count,
    tariffs: count,
    quarantined: count,
    warnings: count,
  })
  .openapi('SourceCounts');

const sourceSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    license: text,
    attribution: text,
    published: z
      .boolean()
      .openapi({ description: 'false: synced and checked, never republished (no open licence)' }),
    enabled: z.boolean(),
    ocpi_version: text,
    token_encoding: text,
    token_encoding_note: text,
    last_success_at: text,
    last_full_success_at: text,
    last_run: runSchema.nullable(),
    counts: countsSchema,
  })
  .openapi('Source');

const warningsByRuleSchema = z
  .record(
    z.string(),
    z.object({
      count,
      fields: z.record(z.string(), count).openapi({
        description: 'count per field; list positions are folded (`evses[].connectors[].max_voltage`)',
      }),
    }),
  )
  .openapi('WarningsByRule', {
    description: 'data-quality warnings of the live records, by rule, then by field',
    example: { missing: { count: 12, fields: { city: 10, 'evses[].connectors[].max_voltage': 2 } } },
  });

const sourceDetailSchema = z
  .object({
    ...sourceSchema.shape,
    warnings_by_rule: warningsByRuleSchema,
    runs: z.array(runSchema).openapi({ description: 'the latest 20 runs, newest first' }),
  })
  .openapi('SourceDetail');

const quarantinePageSchema = z
  .object({
    source: z.string(),
    records: z.array(
      z.object({
        id: count,
        run_id: count.nullable(),
        object_type: z.string(),
        record_id: text,
        reason: z.object({ field: z.string(), rule: z.string(), message: z.string() }),
        raw: z.unknown().openapi({
          description:
            'the record as the source sent it; null when the source may not be republished (`published: false`)',
        }),
        quarantined_at: z.string(),
      }),
    ),
    next: z.string().nullable().openapi({ description: 'URL of the next page, null on the last one' }),
  })
  .openapi('QuarantinePage');

const quarantineQuery = z.strictObject({
  after: z
    .string()
    .regex(/^\d+$/, 'must be a whole number (the id of the last record of the previous page)')
    .transform(Number)
    .optional()
    .openapi({ description: 'the id of the last record of the previous page' }),
  limit: limitParam(1_000, 100).openapi({ type: 'string', description: 'page size, 1..1000 (default 100)' }),
});

function runView(r: SyncRunRow): z.infer<typeof runSchema> {
  const { source_id: _, ...run } = r;
  return run;
}

function sourceView(s: SourceRow, lastRun: SyncRunRow | undefined) {
  return {
    id: s.id,
    name: s.name,
    type: s.type,
    license: s.license,
    attribution: s.attribution,
    // A source without a stated licence is synced and checked, but never republished.
    published: licenseAllowsRepublishing(s.license),
    enabled: s.enabled,
    ocpi_version: s.version,
    token_encoding: s.token_encoding,
    token_encoding_note: s.token_encoding_note,
    last_success_at: s.last_success_at,
    last_full_success_at: s.last_full_success_at,
    last_run: lastRun ? runView(lastRun) : null,
  };
}

/** Warning counts by rule, then by field with list positions folded (`evses[12].uid` -> `evses[].uid`). */
export function warningsByRule(rows: { field: string; rule: string; count: number }[]) {
  const out: z.infer<typeof warningsByRuleSchema> = {};
  for (const r of rows) {
    const field = r.field.replace(/\[\d+\]/g, '[]');
    const rule = out[r.rule] ?? { count: 0, fields: {} };
    out[r.rule] = rule;
    rule.count += r.count;
    rule.fields[field] = (rule.fields[field] ?? 0) + r.count;
  }
  return out;
}

const sourceParams = idParams;

export const sourcesApp = resourceApp()
  .openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'listSources',
      summary: 'The sources: licence, attribution, sync health and counts',
      tags: ['sources'],
      request: { query: noQueryParams },
      responses: {
        ...jsonOk(
          z
            .object({
              sources: z.array(sourceSchema),
              storage: z
                .object({ free_bytes: count, total_bytes: count })
                .nullable()
                .openapi({ description: "space on the database's disk (null where the host cannot tell)" }),
            })
            .openapi('SourceList'),
          'Every source',
        ),
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const sources = await listSources(db);
      const data = await Promise.all(
        sources.map(async (s) => ({
          ...sourceView(s, (await latestRuns(db, s.id, 1))[0]),
          counts: await sourceCounts(db, s.id),
        })),
      );
      // Writes fail when the disk is full (pushes are then answered 503): worth seeing before it is.
      const storage = (await c.get('storageSpace')?.()) ?? null;
      return c.json({ sources: data, storage }, 200);
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      operationId: 'getSource',
      summary: 'One source with its latest runs and its data-quality warnings by rule',
      tags: ['sources'],
      request: { params: sourceParams, query: noQueryParams },
      responses: { ...jsonOk(sourceDetailSchema, 'The source'), ...notFoundResponse, ...errorResponses },
    }),
    async (c) => {
      const db = c.get('db');
      const { id } = c.req.valid('param');
      const s = await getSource(db, id);
      if (!s) throw notFound(`source ${JSON.stringify(id)}`);
      const runs = await latestRuns(db, s.id, 20);
      return c.json(
        {
          ...sourceView(s, runs[0]),
          counts: await sourceCounts(db, s.id),
          warnings_by_rule: warningsByRule(await warningCounts(db, s.id)),
          runs: runs.map(runView),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: 'get',
      path: '/{id}/quarantine',
      operationId: 'listQuarantine',
      summary: 'Records of a source that were quarantined, with the field and rule at fault',
      tags: ['sources'],
      request: { params: sourceParams, query: quarantineQuery },
      responses: {
        ...jsonOk(quarantinePageSchema, 'A page of quarantined records'),
        ...notFoundResponse,
        ...errorResponses,
      },
    }),
    async (c) => {
      const db = c.get('db');
      const q = c.req.valid('query');
      const { id } = c.req.valid('param');
      const s = await getSource(db, id);
      if (!s) throw notFound(`source ${JSON.stringify(id)}`);
      const rows = await quarantineOf(db, s.id, q.after ?? 0, q.limit);
      const last = rows[rows.length - 1];
      // A record is the source's data: without a licence that allows it, the reason is shown, never
      // the record (as the .sqlite dump leaves these rows out).
      const published = licenseAllowsRepublishing(s.license);
      return c.json(
        {
          source: s.id,
          records: rows.map((r) => ({
            id: r.id,
            run_id: r.run_id,
            object_type: r.object_type,
            record_id: r.record_id,
            reason: { field: r.field, rule: r.rule, message: r.message },
            raw: published ? (JSON.parse(r.raw) as unknown) : null,
            quarantined_at: r.created_at,
          })),
          next:
            rows.length === q.limit && last
              ? `/v1/sources/${encodeURIComponent(s.id)}/quarantine?after=${last.id}&limit=${q.limit}`
              : null,
        },
        200,
      );
    },
  );
