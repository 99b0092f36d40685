// A restart does not take the statistics away: a server saves the /v1/stats answers its clients
// got beside the database (src/node/answer-file.ts), and the next server of the same data starts
// with them, to serve while its own first computation runs (44-90 s on 1M EVSEs). Data that moved
// while no server ran (a CLI sync, a restored backup) leaves them out.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import type { Logger } from '../../src/log.js';
import { answerFilePath } from '../../src/node/answer-file.js';
import { startServer } from '../../src/node/server.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-stats-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'atlas.db');
// The demo source simulates its statuses from its clock: held still, every server sees the same data.
const demoNow = new Date();

/** Starts a server, runs `body` on it, stops it; returns what it logged as `msg (n answers)`. */
async function withServer(body: (url: string) => Promise<void>): Promise<string[]> {
  const said: string[] = [];
  const log: Logger = {
    info: (obj, msg) => said.push(`${msg} (${(obj as { answers?: number }).answers ?? '-'} answers)`),
    warn: (_obj, msg) => said.push(`warn: ${msg}`),
    error: (_obj, msg) => said.push(`error: ${msg}`),
    debug() {},
    child: () => log,
  };
  const server = await startServer(
    parseEnv({ PORT: '0', HOST: '127.0.0.1', ATLAS_DB: db, ATLAS_READ_WORKERS: '1', LOG_LEVEL: 'silent' }),
    log,
    { demo: () => demoNow },
  );
  try {
    await server.firstSync;
    await body(server.url);
  } finally {
    await server.close();
  }
  return said.filter((m) => m.includes('answers') && !m.startsWith('atlas'));
}

const savedBodies = () =>
  (JSON.parse(readFileSync(answerFilePath(db), 'utf8')) as { answers: { body: string }[] }).answers.map((a) =>
    JSON.parse(Buffer.from(a.body, 'base64').toString('utf8')),
  );

describe('the statistics across a restart', () => {
  it('are saved as served, restored on the same data, and left out once the counts may have moved', async () => {
    let served: unknown;
    const first = await withServer(async (url) => {
      const res = await fetch(`${url}/v1/stats`);
      expect(res.status).toBe(200);
      served = await res.json();
    });
    expect(first.filter((m) => m.startsWith('statistics restored'))).toEqual([]);
    expect(existsSync(answerFilePath(db))).toBe(true);
    expect(savedBodies()).toEqual([served]);

    const second = await withServer(async () => {});
    expect(second.filter((m) => m.startsWith('statistics restored'))).toEqual([
      'statistics restored from the last server (1 answers)',
    ]);
    // Still saved when that server stopped: the next one could restore them, but for the move below.
    expect(savedBodies()).toEqual([served]);

    // A write that changes no count (a status push moves the data version alone) keeps them; one
    // that may (the counts' version: src/db/counts-changes.ts) leaves them out.
    const move = (key: string) => {
      const sqlite = new Database(db);
      sqlite
        .prepare(
          'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
        )
        .run(key, `${new Date().toISOString()}/moved-while-down`);
      sqlite.close();
    };
    move('data_version');
    const third = await withServer(async () => {});
    expect(third.filter((m) => m.startsWith('statistics restored'))).toEqual([
      'statistics restored from the last server (1 answers)',
    ]);
    move('counts_version');
    const fourth = await withServer(async () => {});
    expect(fourth.filter((m) => m.startsWith('statistics restored'))).toEqual([]);
  });
});
