// `atlas clients add|list|revoke` as an operator runs them (child processes on one database file),
// against the OCPI sender served from that file: the token is printed once and works, the list
// never shows it, and a revoked client's tokens get a 401 in OCPI's envelope.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { registerClient } from '../../src/db/queries/ocpi-clients.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { tokenDigest } from '../../src/ocpi/receiver/token-hash.js';
import { type CliRun, runCli } from '../helpers/run-cli.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let db: Db;
let served: ServedApp;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-clients-'));
  const dbFile = join(dir, 'atlas.db');
  env = { ...process.env, ATLAS_DB: dbFile, ATLAS_PUBLIC_URL: 'https://atlas.example', LOG_LEVEL: 'silent' };
  db = openSqlite(dbFile);
  served = await serveApp(createApp({ getDb: () => db, sources: [], http: { rateLimit: false } }));
});

afterAll(async () => {
  await served?.close();
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

function atlas(...args: string[]): Promise<CliRun> {
  return runCli(args, env);
}

async function ocpiGet(path: string, token: string) {
  const res = await fetch(`${served.url}/ocpi/${path}`, {
    headers: { Authorization: `Token ${btoa(token)}` },
  });
  return { status: res.status, body: (await res.json()) as { status_code: number } };
}

interface Listed {
  id: string;
  name: string;
  state: string;
  backlog: number;
}

describe('atlas clients', () => {
  it('adds (token once), lists (never a token), revokes (401 from then on)', async () => {
    const added = await atlas('clients', 'add', '--name', 'Acme Roaming');
    expect(added.code).toBe(0);
    const id = /^client (\S+) added/m.exec(added.out)?.[1];
    const tokenA = /token A\s+(\S+)/.exec(added.out)?.[1];
    expect(id).toBeTruthy();
    expect(tokenA).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(added.out).toContain('versions URL  https://atlas.example/ocpi/versions');

    // A second client, registered as the handshake would leave it, to show revoke ends token C too.
    const other = await atlas('clients', 'add', '--name', 'Beta Maps');
    const otherId = /^client (\S+) added/m.exec(other.out)![1]!;
    const tokenC = 'token-c-of-beta-maps-0123456789abcdefghijklmn';
    await registerClient(db, otherId, {
      tokenCDigest: await tokenDigest(tokenC),
      theirToken: 'beta-token-b',
      version: '2.2.1',
      versionsUrl: 'https://beta.example/ocpi/versions',
      tokenEncoding: 'base64',
      parties: [],
      locationsUrl: null,
      tariffsUrl: null,
      now: new Date().toISOString(),
    });
    expect((await ocpiGet('versions', tokenA!)).status).toBe(200);
    expect((await ocpiGet('2.2.1/sender/locations', tokenC)).status).toBe(200);

    const listed = await atlas('clients', 'list');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.out) as Listed[];
    expect(rows.map((r) => [r.id, r.name])).toEqual(
      expect.arrayContaining([
        [id, 'Acme Roaming'],
        [otherId, 'Beta Maps'],
      ]),
    );
    expect(rows.find((r) => r.id === id)?.state).toMatch(/^waiting/);
    expect(rows.find((r) => r.id === otherId)?.state).toMatch(/^registered .* \(OCPI 2\.2\.1\)$/);
    // Neither the tokens nor their digests nor the token B we hold appear.
    for (const secret of [
      tokenA!,
      tokenC,
      await tokenDigest(tokenA!),
      await tokenDigest(tokenC),
      'beta-token-b',
    ])
      expect(listed.out + listed.err).not.toContain(secret);

    for (const revoked of [id!, otherId]) {
      const r = await atlas('clients', 'revoke', revoked);
      expect(r.code).toBe(0);
      expect(r.out).toContain(`client ${revoked} revoked`);
    }
    for (const [path, token] of [
      ['versions', tokenA!],
      ['2.2.1/sender/locations', tokenC],
    ] as const) {
      const r = await ocpiGet(path, token);
      expect({ path, http: r.status, ocpi: r.body.status_code }).toEqual({ path, http: 401, ocpi: 2000 });
    }
    const after = JSON.parse((await atlas('clients', 'list')).out) as Listed[];
    expect(after.filter((r) => r.state.startsWith('revoked')).map((r) => r.id)).toEqual(
      expect.arrayContaining([id, otherId]),
    );
  }, 300_000);

  it('refuses a missing name, a missing id and an unknown id with exit codes', async () => {
    const noName = await atlas('clients', 'add');
    expect(noName.code).toBe(2);
    expect(noName.err).toContain('--name');
    const noId = await atlas('clients', 'revoke');
    expect(noId.code).toBe(2);
    const unknown = await atlas('clients', 'revoke', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no active client nope');
  }, 150_000);
});
