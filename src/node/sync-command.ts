// `atlas sync [--source ID] [--full]`: one pass now. On a TTY a progress line per source and module
// (a bar with percentage when the CPO sends X-Total-Count), then one summary line per source; the
// exit code is 0 only when every named source synced.
import cliProgress from 'cli-progress';
import type { SourceConfig } from '../ingest/sources-file.js';
import type { SyncMode, SyncProgress, SyncResult } from '../ingest/sync-source.js';
import type { AtlasContext } from './server.js';

/** With X-Total-Count: a bar with percentage; without: the counts only (the total is unknown). */
export function progressFormat(withTotal: boolean): string {
  return withTotal
    ? '{source} {phase} |{bar}| {percentage}% | {value}/{total} records | pages {pages} | {rate}/s'
    : '{source} {phase} | {value} records | pages {pages} | {rate}/s';
}

export async function syncCommand(
  atlas: AtlasContext,
  opts: { sourceIds: string[]; mode: SyncMode; tty: boolean; out: NodeJS.WritableStream },
): Promise<number> {
  const chosen = chosenSources(atlas.sources, opts.sourceIds);
  if (typeof chosen === 'string') {
    opts.out.write(`${chosen}\n`);
    return 2;
  }
  const progress = opts.tty ? progressBars(opts.out) : null;
  let results: SyncResult[];
  try {
    results = await atlas.runner.runAll(chosen, opts.mode, progress?.onProgress);
    // Also when no run wrote anything: a source whose licence changed has its sites regrouped.
    await atlas.runner.regroup(results);
  } finally {
    progress?.stop();
  }
  for (const r of results) opts.out.write(`${summaryLine(r)}\n`);
  const failed = results.filter((r) => r.status !== 'ok').length;
  return failed === 0 && results.length === chosen.length ? 0 : 1;
}

/** The sources named (any case), or every enabled one; a message when a name is unknown. */
function chosenSources(sources: SourceConfig[], ids: string[]): SourceConfig[] | string {
  const known = new Map(sources.map((s) => [s.id.toLowerCase(), s]));
  const unknown = ids.filter((id) => !known.has(id.toLowerCase()));
  if (unknown.length > 0) {
    return `unknown source: ${unknown.join(', ')} (configured: ${[...known.values()].map((s) => s.id).join(', ')})`;
  }
  return ids.length > 0 ? ids.map((id) => known.get(id.toLowerCase())!) : sources.filter((s) => s.enabled);
}

/** One line per source and module, so the tariffs line does not overwrite the locations just done. */
function progressBars(out: NodeJS.WritableStream) {
  const started = Date.now();
  const multibar = new cliProgress.MultiBar(
    {
      hideCursor: true,
      // The last frame stays on screen: every module's totals, not only the last one's.
      clearOnComplete: false,
      stream: out as NodeJS.WriteStream,
    },
    cliProgress.Presets.shades_grey,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  const onProgress = (p: SyncProgress) => {
    const rate = Math.round(p.records / Math.max(0.001, (Date.now() - started) / 1000));
    const payload = { source: p.sourceId, phase: p.phase, pages: p.pages, rate };
    const key = `${p.sourceId}\u0000${p.phase}`;
    let bar = bars.get(key);
    if (!bar) {
      bar = multibar.create(p.total ?? 0, 0, payload, { format: progressFormat(p.total !== null) });
      bars.set(key, bar);
    }
    // X-Total-Count may change between pages (records added meanwhile): the bar follows it.
    if (p.total !== null) bar.setTotal(Math.max(p.total, p.records));
    bar.update(p.records, payload);
  };
  return { onProgress, stop: () => multibar.stop() };
}

function summaryLine(r: SyncResult): string {
  const c = r.counters;
  return (
    `${r.sourceId}: ${r.status} (${r.kind}) pages=${c.pages} upserted=${c.upserted} unchanged=${c.unchanged} ` +
    `removed=${c.removed} quarantined=${c.quarantined} duplicates=${c.duplicates} tariffs=${c.tariffsUpserted}` +
    `${r.error ? ` error: ${r.error}` : ''}`
  );
}
