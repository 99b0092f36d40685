// The Node host's side of the public API's HTTP behaviour: the socket address for rate limiting,
// brotli from node:zlib, the docs and map pages' assets from node_modules, and .sqlite dumps.
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { promisify } from 'node:util';
import { brotliCompress, constants, createBrotliCompress, createGzip, gzip } from 'node:zlib';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { StorageSpace } from '../api/deps.js';
import { type DumpJob, dumpBody } from '../api/dump-jobs.js';
import { clientAddress, proxyMatcher, type TrustedProxies } from '../api/http/client-address.js';
import type { HttpOptions } from '../api/http/options.js';
import { MAP_ASSET_FILES } from '../api/map/asset-files.js';
import { writePublishableSnapshot } from '../db/queries/dump-sqlite.js';
import type { Db } from '../db/types.js';
import { buildDumpFileInChild, databaseFile } from './dump-build.js';
import { dumpDir } from './dump-dir.js';
import { createDumpStore } from './dump-store.js';
import { fileSpool } from './file-spool.js';

const require = createRequire(import.meta.url);

/** Brotli at quality 5: within a few percent of 11's size on JSON at a fraction of its time. */
const BROTLI_QUALITY = 5;

export function brotliStream(): TransformStream<Uint8Array, Uint8Array> {
  const z = createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } });
  return nodeTransform(z);
}

/** gzip from node:zlib (see HttpOptions.gzip for why not CompressionStream). */
export function gzipStream(): TransformStream<Uint8Array, Uint8Array> {
  return nodeTransform(createGzip());
}

const gzipWhole = promisify(gzip);
const brotliWhole = promisify(brotliCompress);

/**
 * A rendered body compressed in one call on libuv's thread pool: its bytes are read where they
 * are, and the answer is one buffer (~100-150 KB for a 700 KB map page). Through the streams above
 * the same page made a Blob copy of itself and a chunk per 64 KB, all garbage on the event loop
 * that only its full collections freed (the load bench's transient peak).
 */
export function compressWhole(bytes: Uint8Array, encoding: 'gzip' | 'br'): Promise<Uint8Array<ArrayBuffer>> {
  const out =
    encoding === 'br'
      ? brotliWhole(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } })
      : gzipWhole(bytes);
  return out as Promise<Uint8Array<ArrayBuffer>>;
}

function nodeTransform(z: NodeJS.ReadWriteStream): TransformStream<Uint8Array, Uint8Array> {
  const readable = Readable.toWeb(z as unknown as Readable) as unknown as ReadableStream<Uint8Array>;
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return new Promise<void>((resolve, reject) => {
        z.write(chunk, (err?: Error | null) => (err ? reject(err) : resolve()));
      });
    },
    close() {
      z.end();
    },
    abort(reason) {
      (z as unknown as { destroy(e?: unknown): void }).destroy(reason);
    },
  });
  return { readable, writable };
}

export function docsAssetReader(): HttpOptions['docsAsset'] {
  const dir = dirname(require.resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Uint8Array>();
  return async (name) => {
    if (!/^[a-z0-9-]+\.(css|js|png)$/.test(name)) return null;
    let body = cache.get(name);
    if (!body) {
      try {
        body = readFileSync(join(dir, name));
      } catch {
        return null;
      }
      cache.set(name, body);
    }
    return body;
  };
}

/** The map page's files from node_modules, read once each. */
export function mapAssetReader(): HttpOptions['mapAsset'] {
  const cache = new Map<string, Uint8Array>();
  return async (name) => {
    const file = MAP_ASSET_FILES[name];
    if (!file) return null;
    let body = cache.get(name);
    if (!body) {
      body = readFileSync(join(dirname(require.resolve(`${file.pkg}/package.json`)), file.path));
      cache.set(name, body);
    }
    return body;
  };
}

/** A publishable snapshot in a temp dir, streamed gzip-compressed and removed once sent (or aborted). */
export async function sqliteDumpStream(db: Db): Promise<ReadableStream<Uint8Array>> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-dump-'));
  const file = join(dir, 'sites.sqlite');
  try {
    await writePublishableSnapshot(db, file);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const gz = createReadStream(file).pipe(createGzip());
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  gz.once('close', cleanup);
  gz.once('error', cleanup);
  return Readable.toWeb(gz) as unknown as ReadableStream<Uint8Array>;
}

/** Free and total bytes of the file system holding `file` (null for :memory: or when unknown). */
export function storageSpaceOf(file: string): () => Promise<StorageSpace | null> {
  return async () => {
    if (file === ':memory:') return null;
    try {
      const s = statfsSync(dirname(resolve(file)));
      return { free_bytes: s.bavail * s.bsize, total_bytes: s.blocks * s.bsize };
    } catch {
      return null;
    }
  };
}

/** Every address a host name resolves to, for the credentials callback's target check. */
export async function resolveHost(hostname: string): Promise<string[]> {
  return (await lookup(hostname, { all: true })).map((a) => a.address);
}

/** .sqlite dumps built once and served from a file (dump-store.ts), in a temp dir of this server. */
export function sharedSqliteDump(
  freshMs?: number,
  signal?: AbortSignal,
): NonNullable<HttpOptions['sqliteDump']> {
  let store: ReturnType<typeof createDumpStore> | undefined;
  return (db) => {
    store ??= createDumpStore({ dir: dumpDir(signal), freshMs, signal });
    return store.file(db);
  };
}

/**
 * The streamed dumps, each written once to a file of this process's temp dir and served from it.
 * A database file's dumps are built by a child process (dump-build.ts buildDumpFileInChild); an
 * in-memory one's here.
 */
export function sharedDumpFiles(
  freshMs?: number,
  signal?: AbortSignal,
): NonNullable<HttpOptions['dumpFile']> & { size: NonNullable<HttpOptions['dumpFileSize']> } {
  const stores = new Map<string, ReturnType<typeof createDumpStore>>();
  // A rebuild renders with the latest request's job (its clock), not the first one's.
  const jobs = new Map<string, DumpJob>();
  let dir: string | undefined;
  const write = async (db: Db, name: string, out: string) => {
    const job = jobs.get(name)!;
    const file = await databaseFile(db);
    if (file) return buildDumpFileInChild(file, out, job, { signal });
    const body = dumpBody(db, job, { gzip: gzipStream, featureSpool: fileSpool });
    await pipeline(
      Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>),
      createWriteStream(out),
    );
  };
  const file: NonNullable<HttpOptions['dumpFile']> = (db, name, job) => {
    jobs.set(name, job);
    let store = stores.get(name);
    if (!store) {
      dir ??= dumpDir(signal);
      store = createDumpStore({ dir, freshMs, name, write: (d, out) => write(d, name, out) });
      stores.set(name, store);
    }
    return store.file(db);
  };
  return Object.assign(file, { size: (name: string) => stores.get(name)?.size ?? null });
}

/**
 * The socket's remote address, or the client a trusted reverse proxy names in its header
 * (client-address.ts; ATLAS_TRUST_PROXY, ATLAS_CLIENT_IP_HEADER).
 */
export function socketClientIp(trusted: string[] = [], header = 'x-forwarded-for'): HttpOptions['clientIp'] {
  const trust: TrustedProxies = {
    proxies: trusted.map((t) => proxyMatcher(t)).filter((m) => m !== null),
    header,
  };
  return (c) => {
    let socket: string | undefined;
    try {
      socket = getConnInfo(c).remote.address;
    } catch {
      return undefined;
    }
    return trust.proxies.length === 0 ? socket : clientAddress(socket, c.req.header(trust.header), trust);
  };
}

/** The response @hono/node-server writes this request's answer to (absent under app.request). */
const outgoingOf = (c: Context) => (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;

/** `stop`: the server stopping, which ends the dump builds it started (dump-build.ts). */
export function nodeHttpOptions(overrides: Partial<HttpOptions> = {}, stop?: AbortSignal): HttpOptions {
  const files = sharedDumpFiles(undefined, stop);
  return {
    clientIp: socketClientIp(),
    brotli: brotliStream,
    gzip: gzipStream,
    whole: compressWhole,
    // 'close' follows 'finish' (the last bytes handed to the socket) and also ends an answer whose
    // client went away mid-write: by then no pending write reads the body (libuv cancelled it). A
    // client gone before the answer was ready has had its 'close': nothing will be written.
    afterSent: (c, done) => {
      const out = outgoingOf(c);
      if (out?.destroyed) done();
      else out?.once('close', done);
    },
    sendsLentBodies: (c) => outgoingOf(c)?.destroyed === false,
    docsAsset: docsAssetReader(),
    mapAsset: mapAssetReader(),
    sqliteDump: sharedSqliteDump(undefined, stop),
    dumpFile: files,
    dumpFileSize: files.size,
    featureSpool: fileSpool,
    sha256: (bytes) => createHash('sha256').update(bytes).digest(),
    ...overrides,
  };
}
