// Runs syncs: never two runs of one source at once, at most `concurrency` sources at the same
// time, whoever asks (the cron schedule, the CLI, a test).
import type { Db } from '../db/types.js';
import type { Logger } from '../log.js';
import type { OcpiClient } from '../ocpi/client/index.js';
import { isOcpiSource, type SourceConfig } from './sources-file.js';
import { syncRegisterSource } from './sync-register.js';
import { type SyncMode, type SyncProgress, type SyncResult, syncOcpiSource } from './sync-source.js';

export interface SyncRunnerDeps {
  db: Db;
  client: OcpiClient;
  clock: () => Date;
  log: Logger;
  /** Reads a register source's `url` (http(s) URL or local path); supplied by the host. */
  readText: (pathOrUrl: string) => Promise<string>;
  concurrency: number;
  publicUrl?: string;
}

export interface SyncRunner {
  run(
    source: SourceConfig,
    mode?: SyncMode,
    onProgress?: (p: SyncProgress) => void,
  ): Promise<SyncResult | null>;
  runAll(
    sources: SourceConfig[],
    mode?: SyncMode,
    onProgress?: (p: SyncProgress) => void,
  ): Promise<SyncResult[]>;
  /** Ids of sources syncing right now. */
  running(): string[];
}

export function createSyncRunner(deps: SyncRunnerDeps): SyncRunner {
  const active = new Set<string>();
  let slots = deps.concurrency;
  const waiting: (() => void)[] = [];
  const acquire = async () => {
    if (slots > 0) {
      slots--;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  };

  const run: SyncRunner['run'] = async (source, mode = 'auto', onProgress) => {
    if (active.has(source.id)) {
      deps.log.info({ source: source.id }, 'sync skipped: a run of this source is still going');
      return null;
    }
    active.add(source.id);
    try {
      await acquire();
      try {
        return isOcpiSource(source)
          ? await syncOcpiSource(source, deps, { mode, onProgress })
          : await syncRegisterSource(source, deps, { onProgress });
      } finally {
        release();
      }
    } finally {
      active.delete(source.id);
    }
  };

  return {
    run,
    async runAll(sources, mode, onProgress) {
      const results = await Promise.all(sources.map((s) => run(s, mode, onProgress)));
      return results.filter((r): r is SyncResult => r !== null);
    },
    running: () => [...active],
  };
}
