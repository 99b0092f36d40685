// Shutting the server down while a client follows the availability stream: the stream gets its
// end (the chunked body's last chunk), as a client sees an orderly close rather than a cut
// connection (curl's exit 18), and every SSE answer carries the request id.
import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import { createLogger, startServer } from '../../src/node/server.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function openStream(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/availability/stream?bbox=-180,-90,180,90`, {
      headers: { Accept: 'text/event-stream' },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

describe('shutdown with an open event stream', () => {
  it('ends the stream cleanly, and the stream had an X-Request-Id', async () => {
    const server = await startServer(
      parseEnv({ PORT: '0', HOST: '127.0.0.1', ATLAS_DB: join(dir, 'atlas.db'), LOG_LEVEL: 'silent' }),
      createLogger('silent'),
    );
    await server.firstSync;
    const res = await openStream(server.url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toMatch(/.+/);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    let text = '';
    res.setEncoding('utf8');
    const ended = new Promise<{ complete: boolean; aborted: boolean }>((resolve) => {
      let aborted = false;
      res.on('aborted', () => {
        aborted = true;
      });
      res.on('error', () => {
        aborted = true;
      });
      res.on('close', () => resolve({ complete: res.complete, aborted }));
    });
    await new Promise<void>((resolve) => {
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes(': connected')) resolve();
      });
    });
    await server.close();
    // complete: the terminating zero-length chunk arrived; a cut connection leaves it false.
    expect(await ended).toEqual({ complete: true, aborted: false });
  });
});
