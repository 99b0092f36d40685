// Requests the server refuses before the app sees them (a URL over the head limit, bytes that are
// not HTTP, a path the adapter cannot turn into a URL) get the public API's error body, as every
// other error does, on the server as `atlas serve` starts it; and the log line of a refusal holds
// none of the request's bytes (a token in a header would be in them).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import { silentLogger } from '../../src/log.js';
import { answerClientErrors, MAX_REQUEST_HEAD_BYTES } from '../../src/node/refused-requests.js';
import { createLogger, type RunningServer, startServer } from '../../src/node/server.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-refused-'));
const logLines: string[] = [];
let server: RunningServer;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const env = parseEnv({ PORT: '0', HOST: '127.0.0.1', ATLAS_DB: join(dir, 'atlas.db'), LOG_LEVEL: 'info' });
  server = await startServer(env, createLogger('info', sink));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends `raw` as it is and reads the one answer (until the server closes, or its Content-Length). */
function send(raw: string, port = server.port): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(raw));
    let text = '';
    const done = () => {
      socket.destroy();
      const [head = '', body = ''] = text.split('\r\n\r\n', 2);
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text.slice(0, end));
      if (end >= 0 && length && text.length - end - 4 >= Number(length[1])) done();
    });
    socket.on('close', done);
    socket.on('error', reject);
  });
}

function get(target: string, headers = ''): string {
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n`;
}

/** A request head of `bytes` bytes: the sites path with an unknown parameter padded to fit. */
function headOf(bytes: number): string {
  const empty = get('/v1/sites?pad=');
  return get(`/v1/sites?pad=${'a'.repeat(bytes - empty.length)}`);
}

function expectErrorBody(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers['access-control-allow-origin']).toBe('*');
  expect(answer.headers['x-request-id']).toMatch(/.+/);
  const body = JSON.parse(answer.body);
  expect(body).toEqual({ error: { code, message: expect.any(String) } });
}

describe('requests refused before routing', () => {
  it('a URL over the head limit is a 431 request_too_large that states the limit', async () => {
    const answer = await send(headOf(MAX_REQUEST_HEAD_BYTES + 1_000));
    expectErrorBody(answer, 431, 'request_too_large');
    expect(JSON.parse(answer.body).error.message).toContain('16,384 bytes');
  });

  it('a URL just under the limit reaches the app, which names the parameter', async () => {
    // fetch adds a few headers of its own (~150 bytes): 1,000 bytes under the limit leaves room.
    const res = await fetch(`${server.url}/v1/sites?pad=${'a'.repeat(MAX_REQUEST_HEAD_BYTES - 1_000)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unknown_parameter');
  });

  it('headers over the limit are a 431 too, and the log line of the refusal holds none of them', async () => {
    const token = `tok${'x'.repeat(40)}`;
    const answer = await send(
      get('/healthz', `Authorization: Token ${token}\r\nX-Pad: ${'p'.repeat(17_000)}\r\n`),
    );
    expectErrorBody(answer, 431, 'request_too_large');
    const refused = logLines.filter((l) => l.includes('request refused'));
    expect(refused.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(token);
  });

  it('a request line that is not HTTP is a 400 bad_request', async () => {
    expectErrorBody(await send('GARBAGE\r\n\r\n'), 400, 'bad_request');
    expectErrorBody(await send('G@T / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'), 400, 'bad_request');
  });

  it('a header the parser refuses is a 400 bad_request', async () => {
    expectErrorBody(await send(get('/healthz', 'Bad Name: 1\r\n')), 400, 'bad_request');
  });

  it('a path or Host the adapter cannot make a URL of is a 400 bad_request', async () => {
    expectErrorBody(await send(get('/v1\\sites')), 400, 'bad_request');
    expectErrorBody(await send('GET /v1/sites HTTP/1.1\r\nHost: exa%mple\r\n\r\n'), 400, 'bad_request');
  });
});

describe('a client too slow to send its request', () => {
  it('gets a 408 request_timeout in the error body', async () => {
    // The server's own timeouts (60 s for headers) shortened: the refusal is the same code path.
    const slow = createServer({ headersTimeout: 500, requestTimeout: 500, connectionsCheckingInterval: 100 });
    answerClientErrors(slow, silentLogger);
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const port = (slow.address() as { port: number }).port;
      expectErrorBody(await send('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n', port), 408, 'request_timeout');
    } finally {
      slow.close();
    }
  });
});
