// /v1/sources: who we aggregate, under which licence, and how their syncs are going. Never a token.
import { Hono } from 'hono';
import { z } from 'zod';
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
import type { AppEnv } from './deps.js';
import { notFound } from './errors.js';
import { limitParam, parseQuery } from './params.js';

function runView(r: SyncRunRow) {
  return {
    id: r.id,
    kind: r.kind,
    status: r.status,
    started_at: r.started_at,
    finished_at: r.finished_at,
    version: r.version,
    date_from: r.date_from,
    pages: r.pages,
    requests: r.requests,
    retries: r.retries,
    upserted: r.upserted,
    unchanged: r.unchanged,
    removed: r.removed,
    quarantined: r.quarantined,
    duplicates: r.duplicates,
    warnings: r.warnings,
    tariffs_upserted: r.tariffs_upserted,
    error: r.error,
  };
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
    enabled: s.enabled === 1,
    ocpi_version: s.version,
    token_encoding: s.token_encoding,
    token_encoding_note: s.token_encoding_note,
    last_success_at: s.last_success_at,
    last_full_success_at: s.last_full_success_at,
    last_run: lastRun ? runView(lastRun) : null,
  };
}

const quarantineQuery = z.object({
  after: z
    .string()
    .regex(/^\d+$/, 'must be a whole number (the id of the last record of the previous page)')
    .transform(Number)
    .optional(),
  limit: limitParam(1_000, 100),
});

const noParams = z.object({});

export const sourcesApp = new Hono<AppEnv>()
  .get('/', async (c) => {
    parseQuery(noParams, c.req.query());
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
    return c.json({ sources: data, storage });
  })
  .get('/:id', async (c) => {
    parseQuery(noParams, c.req.query());
    const db = c.get('db');
    const s = await getSource(db, c.req.param('id'));
    if (!s) throw notFound(`source ${JSON.stringify(c.req.param('id'))}`);
    const runs = await latestRuns(db, s.id, 20);
    return c.json({
      ...sourceView(s, runs[0]),
      counts: await sourceCounts(db, s.id),
      warnings_by_rule: await warningCounts(db, s.id),
      runs: runs.map(runView),
    });
  })
  .get('/:id/quarantine', async (c) => {
    const db = c.get('db');
    const q = parseQuery(quarantineQuery, c.req.query());
    const s = await getSource(db, c.req.param('id'));
    if (!s) throw notFound(`source ${JSON.stringify(c.req.param('id'))}`);
    const rows = await quarantineOf(db, s.id, q.after ?? 0, q.limit);
    const last = rows[rows.length - 1];
    return c.json({
      source: s.id,
      records: rows.map((r) => ({
        id: r.id,
        run_id: r.run_id,
        object_type: r.object_type,
        record_id: r.record_id,
        reason: { field: r.field, rule: r.rule, message: r.message },
        raw: JSON.parse(r.raw) as unknown,
        quarantined_at: r.created_at,
      })),
      next:
        rows.length === q.limit && last
          ? `/v1/sources/${encodeURIComponent(s.id)}/quarantine?after=${last.id}&limit=${q.limit}`
          : null,
    });
  });
