// `atlas sync [--source ID] [--full]`: one pass now. A progress bar per source on a TTY, plain log
// lines otherwise; the exit code is 0 only when every named source synced.
import cliProgress from 'cli-progress';
import type { SyncMode, SyncProgress, SyncResult } from '../ingest/sync-source.js';
import type { AtlasContext } from './server.js';

export async function syncCommand(
  atlas: AtlasContext,
  opts: { sourceIds: string[]; mode: SyncMode; tty: boolean; out: NodeJS.WritableStream },
): Promise<number> {
  const known = new Map(atlas.sources.map((s) => [s.id.toLowerCase(), s]));
  const unknown = opts.sourceIds.filter((id) => !known.has(id.toLowerCase()));
  if (unknown.length > 0) {
    opts.out.write(
      `unknown source: ${unknown.join(', ')} (configured: ${[...known.values()].map((s) => s.id).join(', ')})\n`,
    );
    return 2;
  }
  const chosen =
    opts.sourceIds.length > 0
      ? opts.sourceIds.map((id) => known.get(id.toLowerCase())!)
      : atlas.sources.filter((s) => s.enabled);

  const started = Date.now();
  const multibar = opts.tty
    ? new cliProgress.MultiBar(
        {
          format: '{source} | {phase} | pages {pages} | records {records} | {rate}/s',
          hideCursor: true,
          clearOnComplete: false,
          stream: opts.out as NodeJS.WriteStream,
        },
        cliProgress.Presets.shades_grey,
      )
    : null;
  const bars = new Map<string, cliProgress.SingleBar>();
  const onProgress = (p: SyncProgress) => {
    const rate = Math.round(p.records / Math.max(0.001, (Date.now() - started) / 1000));
    if (multibar) {
      let bar = bars.get(p.sourceId);
      if (!bar) {
        bar = multibar.create(0, 0, { source: p.sourceId });
        bars.set(p.sourceId, bar);
      }
      bar.update(0, { source: p.sourceId, phase: p.phase, pages: p.pages, records: p.records, rate });
    }
  };
  let results: SyncResult[];
  try {
    results = await atlas.runner.runAll(chosen, opts.mode, onProgress);
    await atlas.runner.settled();
  } finally {
    multibar?.stop();
  }
  let failed = 0;
  for (const r of results) {
    const c = r.counters;
    const ok = r.status === 'ok';
    if (!ok) failed++;
    opts.out.write(
      `${r.sourceId}: ${r.status} (${r.kind}) pages=${c.pages} upserted=${c.upserted} unchanged=${c.unchanged} ` +
        `removed=${c.removed} quarantined=${c.quarantined} duplicates=${c.duplicates} tariffs=${c.tariffsUpserted}` +
        `${r.error ? ` error: ${r.error}` : ''}\n`,
    );
  }
  return failed === 0 && results.length === chosen.length ? 0 : 1;
}
