// Source health rows come typed from the schema: `enabled` is a boolean on the way out of the
// database and of the API, for an enabled and a disabled source alike (it was read as 0/1 and
// compared `=== 1` by hand, which drifted from the schema's boolean column).
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { upsertSourceStmt } from '../../src/db/queries/source-records.js';
import { latestRuns, listSources } from '../../src/db/queries/sources.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { testDir } from '../helpers/test-dir.js';

describe('source health queries', () => {
  it('read enabled as a boolean and runs newest first, and the API says the same', async () => {
    const db = openSqlite(join(testDir('atlas-sources-'), 'atlas.db'));
    onTestFinished(() => db.close());
    const at = '2026-01-01T00:00:00.000Z';
    for (const [id, enabled] of [
      ['on', true],
      ['off', false],
    ] as const) {
      await db.batch([
        upsertSourceStmt(db, { id, name: id, license: 'CC0-1.0', enabled, updatedAt: at }, 'config'),
      ]);
    }
    await db.batch([
      {
        sql: `INSERT INTO sync_runs (source_id, kind, status, started_at)
              VALUES ('on', 'full', 'ok', ?), ('on', 'incremental', 'failed', ?)`,
        params: [at, '2026-01-02T00:00:00.000Z'],
      },
    ]);

    const rows = await listSources(db);
    expect(rows.map((r) => [r.id, r.enabled])).toEqual([
      ['off', false],
      ['on', true],
    ]);
    const runs = await latestRuns(db, 'on', 5);
    expect(runs.map((r) => [r.kind, r.status])).toEqual([
      ['incremental', 'failed'],
      ['full', 'ok'],
    ]);

    const app = createApp({ getDb: () => db });
    const off = (await (await app.request('/v1/sources/off')).json()) as { enabled: unknown };
    const on = (await (await app.request('/v1/sources/on')).json()) as { enabled: unknown };
    expect([off.enabled, on.enabled]).toEqual([false, true]);
  });
});
