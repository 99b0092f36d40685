// What the HTTP layer needs from its host. Everything is optional: without a hook the feature falls
// back to what runs everywhere (Workers included), as each field says.
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Db } from '../../db/types.js';
import type { DumpJob } from '../dump-jobs.js';
import type { Compressors } from './compression.js';

export interface RateLimitOptions {
  /** Burst size: requests a client may make at once. */
  capacity: number;
  /** Tokens added per second: the sustained request rate per client. */
  refillPerSecond: number;
  /** Clients tracked at most; idle ones are forgotten first. */
  maxClients?: number;
}

export interface ResponseCacheOptions {
  /** Total bytes of cached bodies. */
  maxBytes: number;
  /** Larger bodies are never cached. */
  maxEntryBytes: number;
}

/** Where the FlatGeobuf dump's encoded features wait until its index is written. */
export interface FeatureSpool {
  append(bytes: Uint8Array): Promise<void>;
  read(offset: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** A dump built once into a file: served with byte ranges and a strong ETag of its bytes. */
export interface DumpFile {
  /** A strong validator: a hash of the file's bytes. */
  etag: string;
  size: number;
  /**
   * The date of the data it was built from. A file is served for a while after the data changed
   * (until a newer one is built): dated by the request's data version, an old file took the new
   * data's date, and `wget -N` or If-Modified-Since then kept it after the new one was built.
   */
  lastModified?: Date;
  /** Bytes start..end (inclusive). */
  read(start: number, end: number): ReadableStream<Uint8Array>;
}

/** An answer rendered away from this event loop (or a refusal to render it): see HttpOptions.offload. */
export interface OffloadedAnswer {
  /** Never 1xx, 204 or 304: read workers render full answers. */
  status: ContentfulStatusCode;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer> | null;
  /**
   * Gives the body's memory back, once nothing reads it any more: it is lent (a slot of the read
   * workers' body pool, src/node/body-pool.ts, reused for another answer, or a transferred buffer
   * this empties), so whoever keeps the bytes longer (the response cache) keeps a copy. Without
   * it a transferred body lived until the event loop's next full collection: under load that was
   * up to ~45 MB of spent 700 KB pages (the load bench's transient peak). Absent when the body is
   * this answer's own to keep (a rendering shared by identical requests is copied for them).
   */
  release?: () => void;
}

/** The answer with a body of its own: a lent body is copied and its memory given back at once. */
export function ownedCopy(a: OffloadedAnswer): OffloadedAnswer {
  if (!a.body || !a.release) return a;
  const body = new Uint8Array(a.body);
  a.release();
  return { ...a, body, release: undefined };
}

export interface HttpOptions {
  /**
   * The client's address for rate limiting. Node passes the socket's remote address; the default
   * reads CF-Connecting-IP (set by Cloudflare, not forgeable there) and otherwise puts every
   * client in one bucket: X-Forwarded-For is never trusted, anyone can send it.
   */
  clientIp?: (c: Context) => string | undefined;
  /** Token bucket per client; false disables it (benchmarks). */
  rateLimit?: RateLimitOptions | false;
  /**
   * A brotli compressor. CompressionStream does gzip and deflate but not br on Node 20 or Workers,
   * so Node passes one built on node:zlib; without it responses are gzip-only.
   */
  brotli?: () => TransformStream<Uint8Array, Uint8Array>;
  /**
   * A gzip compressor. Default: CompressionStream('gzip'). Node passes node:zlib, because Node 20's
   * CompressionStream keeps its output buffers alive: streaming the 1M-EVSE GeoJSON dump through it
   * grew arrayBuffers by 32 MB per 50,000 sites (scripts/bench/api.ts), through zlib not at all.
   */
  gzip?: () => TransformStream<Uint8Array, Uint8Array>;
  /** Compresses a rendered body in one call (Compressors.whole); default: through the stream above. */
  whole?: Compressors['whole'];
  /**
   * SHA-256 of a body, for its ETag. Default: crypto.subtle (asynchronous, through a thread pool).
   * Node passes node:crypto's synchronous hash: every uncached 200 is hashed, and a 700 KB map page
   * hashed there took 0.44 ms against 0.59 ms through subtle, without the round trip (bench `api`).
   */
  sha256?: (bytes: Uint8Array) => Uint8Array;
  /** Rendered JSON bodies kept per URL, encoding and data version; false disables it. */
  responseCache?: ResponseCacheOptions | false;
  /** The docs page's assets (swagger-ui-dist files) by file name; without it /docs links them but they 404. */
  docsAsset?: (name: string) => Promise<Uint8Array | string | null>;
  /**
   * The map page's files by name: maplibre-gl's ES modules and CSS, and world-atlas's Natural Earth
   * country outlines (TopoJSON). Node reads node_modules; without it /map links them but they 404.
   */
  mapAsset?: (name: string) => Promise<Uint8Array | string | null>;
  /** A publishable copy of the database, gzip-compressed (Node: VACUUM INTO, then filtered). */
  sqliteDump?: (db: Db) => Promise<DumpFile>;
  /**
   * The other dumps, built once into a file as `job` describes (Node: by a child process, on a
   * worker thread there, into a temp dir, rebuilt when the data changed), so a download can resume with Range. Without it
   * (Workers) each request streams the dump anew (dumpBody), with `Accept-Ranges: none`.
   */
  dumpFile?: (db: Db, name: string, job: DumpJob) => Promise<DumpFile>;
  /** Bytes of the file `dumpFile` has built for `name`, null before its first build (the dumps index). */
  dumpFileSize?: (name: string) => number | null;
  /** Where the FlatGeobuf dump spools its features (Node: a temp file); default: memory. */
  featureSpool?: () => FeatureSpool;
  /**
   * Answers a heavy read elsewhere: Node renders bbox pages, tiles, OGC items and statistics in
   * worker threads with read-only connections (src/node/heavy-reads.ts), with a concurrency cap
   * per route class (beyond it 429 or 503 with Retry-After). Returns null for a request it does not
   * take, which then runs here. Called after the response cache missed, with the client's address
   * as the rate limiter sees it. Without it (Workers: one request per isolate, CPU-limited by the
   * platform) every route runs in process.
   */
  offload?: (req: Request, client: string) => Promise<OffloadedAnswer> | null;
  /**
   * Calls `done` once the answer's bytes were handed to the network or its client went away
   * mid-write (Node: the response's `close`), so an offloaded body written as it is can be
   * released. Without it such bodies are left to the collector.
   */
  afterSent?: (c: Context, done: () => void) => void;
  /**
   * Whether this request's answer is written to a client that is still there, as the bytes it is
   * given (Node: a live ServerResponse; not app.request, whose caller reads the Response). Only
   * then is a lent offloaded body (OffloadedAnswer.release) sent without a copy: memory shared
   * with a worker cannot be read through a Response's stream. Without it such bodies are copied.
   */
  sendsLentBodies?: (c: Context) => boolean;
  /** Milliseconds clock of the rate limiter (tests drive it). */
  nowMs?: () => number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = {
  capacity: 120,
  refillPerSecond: 10,
  maxClients: 100_000,
};
export const DEFAULT_RESPONSE_CACHE: ResponseCacheOptions = {
  // Modest: a Workers isolate has 128 MB in all.
  maxBytes: 32 * 1024 * 1024,
  maxEntryBytes: 4 * 1024 * 1024,
};
