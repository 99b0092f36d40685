// Behind a reverse proxy every request comes from the proxy's address. The client-address header
// it adds is believed only when the operator listed that proxy (ATLAS_TRUST_PROXY), and only from
// it: by default, or from any other peer, the header is ignored and cannot buy a fresh bucket.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';
import { parseEnv } from '../../src/env.js';
import { socketClientIp } from '../../src/node/http-hooks.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';

let served: ServedApp | undefined;
let db: Db | undefined;
afterEach(async () => {
  await served?.close();
  await db?.close();
  served = undefined;
});

/** Two requests per client, no refill within the test. */
async function serveWith(trusted: string[], header?: string) {
  db = openSqlite(':memory:');
  const app = createApp({
    getDb: () => db!,
    http: {
      rateLimit: { capacity: 2, refillPerSecond: 0.0001 },
      clientIp: socketClientIp(trusted, header),
      responseCache: false,
    },
  });
  served = await serveApp(app);
  return (forwardedFor?: string, name = 'X-Forwarded-For') =>
    fetch(`${served!.url}/v1/sources`, { headers: forwardedFor ? { [name]: forwardedFor } : {} }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
    );
}

describe('the rate limiter behind a proxy', () => {
  it('ignores X-Forwarded-For by default: one bucket per socket address', async () => {
    const get = await serveWith([]);
    expect(await get('203.0.113.1')).toBe(200);
    expect(await get('203.0.113.1')).toBe(200);
    expect(await get('203.0.113.2')).toBe(429);
  });

  it('keys on the forwarded client when the peer is a listed proxy', async () => {
    const get = await serveWith(['127.0.0.1']);
    expect(await get('203.0.113.1')).toBe(200);
    expect(await get('203.0.113.1')).toBe(200);
    expect(await get('203.0.113.1')).toBe(429);
    expect(await get('203.0.113.2')).toBe(200);
    // A client that writes its own X-Forwarded-For gets its entry appended by the proxy: the
    // rightmost untrusted entry is still the one the proxy saw.
    expect(await get('198.51.100.7, 203.0.113.1')).toBe(429);
  });

  it('ignores the header from a peer that is not in the list', async () => {
    const get = await serveWith(['10.0.0.0/8', '192.0.2.10']);
    expect(await get('203.0.113.1')).toBe(200);
    expect(await get('203.0.113.2')).toBe(200);
    expect(await get('203.0.113.3')).toBe(429);
  });

  it('reads the header the operator named (CF-Connecting-IP behind Cloudflare)', async () => {
    const get = await serveWith(['127.0.0.0/8'], 'cf-connecting-ip');
    expect(await get('203.0.113.1', 'CF-Connecting-IP')).toBe(200);
    expect(await get('203.0.113.1', 'CF-Connecting-IP')).toBe(200);
    expect(await get('203.0.113.1', 'CF-Connecting-IP')).toBe(429);
    expect(await get('203.0.113.2', 'CF-Connecting-IP')).toBe(200);
  });
});

describe('the settings', () => {
  it('parse the rate and the proxy list, and refuse an entry that is not an address', () => {
    const env = parseEnv({
      ATLAS_RATE_LIMIT_BURST: '50',
      ATLAS_RATE_LIMIT_PER_S: '2.5',
      ATLAS_TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1',
      ATLAS_CLIENT_IP_HEADER: 'CF-Connecting-IP',
    });
    expect(env).toMatchObject({
      ATLAS_RATE_LIMIT_BURST: 50,
      ATLAS_RATE_LIMIT_PER_S: 2.5,
      ATLAS_TRUST_PROXY: ['127.0.0.1', '10.0.0.0/8', '::1'],
      ATLAS_CLIENT_IP_HEADER: 'cf-connecting-ip',
    });
    expect(parseEnv({}).ATLAS_TRUST_PROXY).toEqual([]);
    expect(() => parseEnv({ ATLAS_TRUST_PROXY: 'proxy.example' })).toThrow(/ATLAS_TRUST_PROXY/);
  });
});
