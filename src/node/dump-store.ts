// A dump built once and served from a file, so downloads share one build and can resume with Range
// (its ETag is a hash of the file's bytes). The .sqlite dump (VACUUM INTO, the reduction, gzip) takes
// seconds and hundreds of MB of temporary files on a large database: it is built by a child process (dump-process.ts),
// and so are the other dumps (sharedDumpFiles passes their `write`). At most one build runs per store, and
// every request meanwhile waits for that same build: the first build at most `maxWaitMs`, then a
// 503 with Retry-After while it goes on (minutes at 1M EVSEs). A built file
// serves every request until the data changed AND it is older than `freshMs` (pushes change the data
// every second; researchers do not need a dump newer than a few minutes): then the old file is still
// served while a new one builds in the background.
import { createHash } from 'node:crypto';
import { createReadStream, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ApiError } from '../api/errors.js';
import { dataVersion } from '../api/http/data-version.js';
import type { DumpFile } from '../api/http/options.js';
import { makeFolder } from '../db/make-folder.js';
import type { Db } from '../db/types.js';
import { buildDumpFileInChild, databaseFile } from './dump-build.js';

/** A build takes minutes on a large database: there is no point in asking again every second. */
const RETRY_BUILDING_S = 60;

export interface DumpStoreOptions {
  /** Where built files are kept. */
  dir: string;
  /** The server stopping: builds not started yet never start, a running one is killed. */
  signal?: AbortSignal;
  /** A built dump is served without rebuilding for at least this long. Default 10 minutes. */
  freshMs?: number;
  /** Called with the builder's process id when a .sqlite build starts its child process (tests). */
  onBuilder?: (pid: number) => void;
  /** Called when a build starts (tests count builds). */
  onBuild?: () => void;
  /** Writes the dump to `out`; default: the .sqlite dump, in a child process (dump-process.ts). */
  write?: (db: Db, out: string) => Promise<void>;
  /** The file name's stem. */
  name?: string;
  /**
   * How long a request waits for the first build before a 503 with Retry-After. Default 15 s: the
   * .sqlite dump of 1M EVSEs takes about 6 minutes to build, and a client left without an answer
   * that long is a hang (fetch gives up on headers after 5 minutes).
   */
  maxWaitMs?: number;
}

interface Built {
  path: string;
  version: string;
  /** The Last-Modified of the data version it was built from (read before the build). */
  lastModified: Date;
  at: number;
  etag: string;
  size: number;
}

async function fileHash(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `"${hash.digest('base64url').slice(0, 32)}"`;
}

/** VACUUM INTO needs a file: an in-memory database cannot be dumped this way. */
async function fileOf(db: Db): Promise<string> {
  const file = await databaseFile(db);
  if (!file) throw new Error('the .sqlite dump needs a database file');
  return file;
}

/** Runs `write` (which fills `${path}.part`) and renames the part once whole; a failed part goes. */
async function writeWhole(write: () => Promise<void>, path: string): Promise<void> {
  try {
    await write();
  } catch (err) {
    rmSync(`${path}.part`, { force: true });
    throw err;
  }
  renameSync(`${path}.part`, path);
}

/** What `p` resolves to if that happens within `ms`, else null (`p` goes on). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createDumpStore(opts: DumpStoreOptions) {
  const freshMs = opts.freshMs ?? 10 * 60_000;
  makeFolder(opts.dir);
  let built: Built | null = null;
  let building: Promise<Built> | null = null;
  let serial = 0;

  const write =
    opts.write ??
    (async (db: Db, out: string) =>
      buildDumpFileInChild(await fileOf(db), out, undefined, {
        started: opts.onBuilder,
        signal: opts.signal,
      }));

  function build(db: Db, version: string, lastModified: Date): Promise<Built> {
    building ??= (async () => {
      opts.onBuild?.();
      const path = join(opts.dir, `${opts.name ?? 'sites.sqlite.gz'}-${++serial}`);
      await writeWhole(() => write(db, `${path}.part`), path);
      // Requests still reading the previous file keep their open descriptor; the name goes.
      if (built) rmSync(built.path, { force: true });
      const etag = await fileHash(path);
      built = { path, version, lastModified, at: Date.now(), etag, size: statSync(path).size };
      return built;
    })().finally(() => {
      building = null;
    });
    return building;
  }

  /** Waits for the first build at most maxWaitMs; the build goes on for the next requests. */
  async function firstBuild(db: Db, version: string, lastModified: Date): Promise<Built> {
    const running = build(db, version, lastModified);
    const done = await within(running, opts.maxWaitMs ?? 15_000);
    if (done) return done;
    // A failed build is reported to the request that waits for it, not left unhandled here.
    running.catch(() => undefined);
    throw new ApiError(503, 'building', `the dump is being built; retry after ${RETRY_BUILDING_S} s`, {
      'Retry-After': String(RETRY_BUILDING_S),
      'Cache-Control': 'no-store',
    });
  }

  return {
    async file(db: Db): Promise<DumpFile> {
      const v = await dataVersion(db, new Date(), '');
      const version = v.etag;
      let file = built;
      if (!file) file = await firstBuild(db, version, v.lastModified);
      else if (file.version !== version && Date.now() - file.at >= freshMs) {
        // Serve what we have; the next requests get the new one once it is there.
        build(db, version, v.lastModified).catch(() => undefined);
      }
      const { path, etag, size, lastModified } = file;
      return {
        etag,
        size,
        lastModified,
        read: (start, end) =>
          Readable.toWeb(createReadStream(path, { start, end })) as unknown as ReadableStream<Uint8Array>,
      };
    },
    /** Size of the current file (tests). */
    get size(): number | null {
      return built ? statSync(built.path).size : null;
    },
  };
}
