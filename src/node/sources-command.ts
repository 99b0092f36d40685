// `atlas sources`: source health on the terminal.
import { latestRuns, listSources, sourceCounts } from '../db/queries/sources.js';
import type { AtlasContext } from './server.js';

export async function sourcesCommand(atlas: AtlasContext, out: NodeJS.WritableStream): Promise<number> {
  const rows = [];
  for (const s of await listSources(atlas.db)) {
    const [run] = await latestRuns(atlas.db, s.id, 1);
    const counts = await sourceCounts(atlas.db, s.id);
    rows.push({
      id: s.id,
      type: s.type,
      license: s.license ?? '(none: not published)',
      version: s.version ?? '',
      last_run: run ? `${run.status} ${run.kind} ${run.finished_at ?? run.started_at}` : 'never',
      locations: counts.locations,
      evses: counts.evses,
      quarantined: counts.quarantined,
      warnings: counts.warnings,
      error: run?.error ?? '',
    });
  }
  out.write(`${JSON.stringify(rows, null, 2)}\n`);
  return 0;
}
