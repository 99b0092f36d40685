// The receiver no one can abuse: one body limit for every /ocpi path, failed authentication throttled
// per address and logged once (sampled), parties limited by the sources file, times from the future
// refused, the credentials callback kept off our own network, token_b kept as a hash only.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/node/server.js';
import { isNonPublicAddress } from '../../../src/ocpi/client/target-guard.js';
import { tokenHash } from '../../../src/ocpi/receiver/auth.js';
import { type ServedApp, serveApp } from '../../helpers/serve.js';
import {
  type Atlas,
  cpoSource,
  DEFAULT_SOURCES,
  dumpStore,
  ocpiLocation,
  startAtlas,
  TOKEN_NL,
} from './push-harness.js';
import { credentialsOf, registeringCpo } from './registering-cpo.js';

const TOKEN_A = 'token-a-for-the-newcomer-91c2';
const TOKEN_B = 'token-b-of-the-newcomer-5d7e0a';
const NEWCOMER = cpoSource('newcpo', TOKEN_A, []);

let atlas: Atlas | undefined;
let cpo: ServedApp | undefined;
afterEach(async () => {
  await atlas?.close();
  await cpo?.close();
  atlas = undefined;
  cpo = undefined;
});

const register = (a: Atlas, body: unknown, token = TOKEN_A, method: 'POST' | 'PUT' = 'POST') =>
  a.push(method, '2.2.1', '', body, { token, module: 'credentials' });

describe('one body limit for every /ocpi path', () => {
  it('refuses a credentials POST over 2 MB with 413, whether its size is declared or chunked', async () => {
    atlas = await startAtlas();
    const big = JSON.stringify({ token: 'x'.repeat(3 * 1024 * 1024), url: 'http://example.org/', roles: [] });
    const declared = await fetch(`${atlas.url}/ocpi/2.2.1/credentials`, {
      method: 'POST',
      headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'Content-Type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { status_code: number }).status_code).toBe(2000);

    const chunk = new TextEncoder().encode('x'.repeat(256 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ >= 16) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const chunked = await fetch(`${atlas.url}/ocpi/2.2.1/credentials`, {
      method: 'POST',
      headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });
});

describe('failed authentication', () => {
  function withLog() {
    const lines: string[] = [];
    const log = createLogger('info', { write: (s: string) => lines.push(s) });
    return { lines, log };
  }
  const wrong = (a: Atlas, client: string, requestId = crypto.randomUUID()) =>
    fetch(`${a.url}/ocpi/2.2.1/receiver/locations/NL/TNM/L1`, {
      headers: { Authorization: 'Token not-a-token', 'X-Test-Client': client, 'X-Request-ID': requestId },
    });

  it('throttles wrong tokens per address with 429 and Retry-After; other addresses are unaffected', async () => {
    const { log } = withLog();
    atlas = await startAtlas({
      deps: { log, http: { clientIp: (c) => c.req.header('x-test-client') } },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await wrong(atlas, 'prober')).status);
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const throttled = await wrong(atlas, 'prober');
    expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await throttled.json()) as { status_code: number }).status_code).toBe(2000);
    // Throttled before any lookup: the right token from that address waits too.
    const fromProber = await fetch(`${atlas.url}/ocpi/2.2.1/receiver/locations/NL/TNM/L1`, {
      headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'X-Test-Client': 'prober' },
    });
    expect(fromProber.status).toBe(429);
    const fromCpo = await fetch(`${atlas.url}/ocpi/2.2.1/receiver/locations/NL/TNM/L1`, {
      headers: { Authorization: `Token ${btoa(TOKEN_NL)}`, 'X-Test-Client': 'cpo' },
    });
    expect(fromCpo.status).toBe(404); // authenticated; the location is simply unknown
  });

  it('logs a refusal in one line, and a burst of refusals from one address in a sampled few', async () => {
    const { lines, log } = withLog();
    atlas = await startAtlas({ deps: { log, http: { clientIp: (c) => c.req.header('x-test-client') } } });
    const id = crypto.randomUUID();
    expect((await wrong(atlas, 'one', id)).status).toBe(401);
    expect(lines.filter((l) => l.includes(id))).toHaveLength(1);

    const before = lines.length;
    for (let i = 0; i < 40; i++) await wrong(atlas, 'burst');
    const burst = lines.slice(before);
    expect(burst.length).toBeLessThanOrEqual(2);
    expect(burst.join('\n')).not.toContain('not-a-token');
  });
});

describe('parties a CPO may push for', () => {
  async function withNewcomer(sources = [...DEFAULT_SOURCES, NEWCOMER]) {
    const seen: string[] = [];
    cpo = await serveApp(registeringCpo(TOKEN_B, seen));
    atlas = await startAtlas({ sources, deps: { ocpiAllowPrivateTargets: true } });
    return { a: atlas, versions: `${cpo.url}/ocpi/versions` };
  }

  it("refuses a registration that claims another source's party, and stores nothing", async () => {
    const { a, versions } = await withNewcomer();
    const before = await dumpStore(a.db);
    const res = await register(a, credentialsOf(TOKEN_B, versions, 'NL', 'TNM'));
    expect({ http: res.status, ocpi: res.body.status_code }).toEqual({ http: 200, ocpi: 2001 });
    expect(res.body.status_message).toContain('NL/TNM');
    expect(await dumpStore(a.db)).toEqual(before);
    // Token A is still the only way in, and it may not push for NL/TNM.
    const put = await a.push('PUT', '2.2.1', '/NL/TNM/X1', location('X1', 'NL', 'TNM'), { token: TOKEN_A });
    expect(put.status).toBe(404);
  });

  it('limits a registration to the parties its sources entry lists, when it lists any', async () => {
    const limited = cpoSource('newcpo', TOKEN_A, [{ country_code: 'DE', party_id: 'LIM' }]);
    const { a, versions } = await withNewcomer([...DEFAULT_SOURCES, limited]);
    const res = await register(a, credentialsOf(TOKEN_B, versions, 'DE', 'XYZ'));
    expect(res.body.status_code).toBe(2001);
    expect((await register(a, credentialsOf(TOKEN_B, versions, 'DE', 'LIM'))).body.status_code).toBe(1000);
  });

  it('does not honour a stored claim on a party the sources file gives to another source', async () => {
    const { a } = await withNewcomer();
    // As a registration accepted before this rule would have left it (token_b in plain text, too).
    const tokenC = 'token-c-from-an-old-registration-11';
    await a.db.batch([
      {
        sql: 'INSERT INTO source_secrets (source_id, token_b, updated_at) VALUES (?, ?, ?)',
        params: ['newcpo', tokenC, '2025-03-01T00:00:00Z'],
      },
      {
        sql: 'UPDATE sources SET parties = ? WHERE id = ?',
        params: [
          JSON.stringify([
            { country_code: 'NL', party_id: 'TNM' },
            { country_code: 'NL', party_id: 'NEW' },
          ]),
          'newcpo',
        ],
      },
    ]);
    const foreign = await a.push('PUT', '2.2.1', '/NL/TNM/X1', location('X1', 'NL', 'TNM'), {
      token: tokenC,
    });
    expect(foreign.status).toBe(404);
    const own = await a.push('PUT', '2.2.1', '/NL/NEW/X1', location('X1', 'NL', 'NEW'), { token: tokenC });
    expect(own.status).toBe(201);
  });
});

const location = (id: string, cc = 'NL', pid = 'TNM', lastUpdated = '2025-03-01T11:00:00Z') =>
  ocpiLocation('2.2.1', {
    id,
    cc,
    pid,
    lat: 52.09,
    lon: 5.12,
    lastUpdated,
    evses: [{ uid: 'E1', status: 'AVAILABLE' }],
  });

describe('last_updated ahead of our clock', () => {
  it('is refused with 2001 at any depth and changes nothing; a few minutes of drift is accepted', async () => {
    atlas = await startAtlas({ now: '2025-03-01T12:00:00Z' });
    expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/L1', location('L1'))).status).toBe(201);
    const before = await dumpStore(atlas.db);
    const frozen = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'OUTOFORDER',
      last_updated: '9999-12-31T23:59:59Z',
    });
    expect({ http: frozen.status, ocpi: frozen.body.status_code }).toEqual({ http: 200, ocpi: 2001 });
    expect(frozen.body.status_message).toContain('ahead of our clock');
    const deep = location('L1', 'NL', 'TNM', '2025-03-01T11:59:00Z');
    ((deep.evses as Record<string, unknown>[])[0]!.connectors as Record<string, unknown>[])[0]!.last_updated =
      '2026-01-01T00:00:00Z';
    expect((await atlas.push('PUT', '2.2.1', '/NL/TNM/L1', deep)).body.status_code).toBe(2001);
    expect(await dumpStore(atlas.db)).toEqual(before);

    const drift = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'CHARGING',
      last_updated: '2025-03-01T12:04:00Z',
    });
    expect(drift.body.status_code).toBe(1000);
    const later = await atlas.push('PATCH', '2.2.1', '/NL/TNM/L1/E1', {
      status: 'AVAILABLE',
      last_updated: '2025-03-01T12:04:30Z',
    });
    expect(later.body.status_message).toBeUndefined();
  });
});

describe('the credentials callback', () => {
  it('never fetches loopback, private or link-local targets unless allowed, and answers 3001 generically', async () => {
    const seen: string[] = [];
    cpo = await serveApp(registeringCpo(TOKEN_B, seen));
    atlas = await startAtlas({ sources: [...DEFAULT_SOURCES, NEWCOMER] });
    const port = new URL(cpo.url).port;
    const targets = [
      `${cpo.url}/ocpi/versions`,
      `http://localhost:${port}/ocpi/versions`,
      `http://[::1]:${port}/ocpi/versions`,
      'http://169.254.169.254/latest/meta-data/',
      'http://10.1.2.3:8080/ocpi/versions',
      'http://192.168.0.1/ocpi/versions',
      `http://127.0.0.1:1/ocpi/versions`,
    ];
    const messages = new Set<string>();
    for (const url of targets) {
      const res = await register(atlas, credentialsOf(TOKEN_B, url));
      expect({ url, http: res.status, ocpi: res.body.status_code }).toEqual({ url, http: 200, ocpi: 3001 });
      messages.add(res.body.status_message ?? '');
    }
    expect(seen).toEqual([]);
    // One message whatever happened: no address, port or connection error comes back.
    expect(messages.size).toBe(1);
    expect([...messages][0]).not.toMatch(/127\.0\.0\.1|localhost|refused|ECONN|fetch failed|:\d{2,5}/);
  });

  it('answers a closed port and a refusing server alike when private targets are allowed', async () => {
    const seen: string[] = [];
    cpo = await serveApp(registeringCpo(TOKEN_B, seen));
    atlas = await startAtlas({
      sources: [...DEFAULT_SOURCES, NEWCOMER],
      deps: { ocpiAllowPrivateTargets: true },
    });
    const closed = await register(atlas, credentialsOf(TOKEN_B, 'http://127.0.0.1:1/ocpi/versions'));
    const refusing = await register(atlas, credentialsOf('wrong-b', `${cpo.url}/ocpi/versions`));
    expect(closed.body.status_code).toBe(3001);
    expect(refusing.body.status_code).toBe(3001);
    expect(closed.body.status_message).toBe(refusing.body.status_message);
  });

  it('classifies addresses: non-public ones are refused, public ones pass', () => {
    for (const ip of [
      '127.0.0.1',
      '10.0.0.8',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::5',
      '::ffff:127.0.0.1',
      '224.0.0.1',
    ]) {
      expect({ ip, refused: isNonPublicAddress(ip) }).toEqual({ ip, refused: true });
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect({ ip, refused: isNonPublicAddress(ip) }).toEqual({ ip, refused: false });
    }
  });
});

describe('secrets at rest', () => {
  async function fileBytes(a: Atlas): Promise<string> {
    const main = (await a.db.all<{ name: string; file: string }>('PRAGMA database_list')).find(
      (d) => d.name === 'main',
    )!.file;
    const read = (p: string) => {
      try {
        return readFileSync(p).toString('latin1');
      } catch {
        return '';
      }
    };
    return read(main) + read(`${main}-wal`);
  }

  it('keeps token_b as a hash, and replaced or revoked tokens are gone from the file and the WAL', async () => {
    const seen: string[] = [];
    cpo = await serveApp(
      registeringCpo(TOKEN_B, seen, {
        tariffs:
          'http://cpo-user:pa55word-in-url@127.0.0.1:1/ocpi/2.2.1/tariffs?access_token=s3cret-in-query',
      }),
    );
    atlas = await startAtlas({
      sources: [...DEFAULT_SOURCES, NEWCOMER],
      deps: { ocpiAllowPrivateTargets: true },
    });
    const versions = `${cpo.url}/ocpi/versions`;
    const first = await register(atlas, credentialsOf(TOKEN_B, versions));
    const c1 = (first.body.data as { token: string }).token;
    let bytes = await fileBytes(atlas);
    expect(bytes).not.toContain(c1);
    expect(bytes).toContain((await tokenHash(c1)).slice(7));
    // Endpoint URLs are stored without the credentials some CPOs put in them.
    const row = await atlas.db.get<{ endpoints: string }>('SELECT endpoints FROM sources WHERE id = ?', [
      'newcpo',
    ]);
    expect(row!.endpoints).toContain('/ocpi/2.2.1/tariffs');
    expect(row!.endpoints).not.toMatch(/pa55word|s3cret/);

    const newB = 'token-b-rotated-by-the-newcomer-77';
    const rotated = await register(atlas, credentialsOf(newB, versions), c1, 'PUT');
    expect(rotated.body.status_code).toBe(3001); // the CPO still answers to its old B only
    const again = await register(atlas, credentialsOf(TOKEN_B, versions), c1, 'PUT');
    const c2 = (again.body.data as { token: string }).token;
    bytes = await fileBytes(atlas);
    expect(bytes).not.toContain(c1);
    expect(bytes).not.toContain(c2);

    expect(
      (await atlas.push('DELETE', '2.2.1', '', undefined, { token: c2, module: 'credentials' })).status,
    ).toBe(200);
    bytes = await fileBytes(atlas);
    // The CPO's own token B (which we presented to it) is gone with the registration.
    expect(bytes).not.toContain(TOKEN_B);
  });
});
