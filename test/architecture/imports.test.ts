// The seams DESIGN.md promises: only the Node host and src/db's SQLite adapter touch Node or
// better-sqlite3, so the same core runs on Workers; and a stage knows only the stages before it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const sources = files('src').map((p) => ({ path: relative('.', p), text: readFileSync(p, 'utf8') }));
const importsOf = (text: string) =>
  [
    ...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
/** Imports that load code when the module runs (`import type` is erased by the compiler). */
const runtimeImportsOf = (text: string) =>
  [
    ...text.matchAll(/^\s*(?:import|export)(?!\s+type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);

/**
 * The stages in the order data flows through them: a file may import its own stage and the stages
 * of a lower rank, never a higher one, so the stages cannot import each other in a circle.
 * docs/architecture.md draws the same picture.
 */
const STAGE_RANK: Record<string, number> = {
  base: 0, // src/log.ts, src/env.ts
  model: 1,
  ocpi: 2,
  db: 2,
  ingest: 3,
  dedupe: 3,
  live: 3,
  outbox: 3,
  'fake-cpo': 3,
  jobs: 4,
  api: 5,
  node: 6,
  workers: 6,
  host: 7, // src/cli.ts, src/node.ts, src/worker.ts
};

function stageOf(path: string): string {
  const m = /^src\/([^/]+)\//.exec(path);
  if (m) return m[1]!;
  return /^src\/(log|env)\.ts$/.test(path) ? 'base' : 'host';
}

/** Relative imports of a file, as paths of .ts files under src/. */
function localImports(path: string, text: string, read = importsOf): string[] {
  return read(text)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => normalize(join(dirname(path), spec)).replace(/\.js$/, '.ts'));
}

/** Every cycle in a directed graph, each as the list of nodes round it (Tarjan's components). */
function cyclesIn(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

function graphOf(key: (path: string) => string, read = importsOf): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const { path, text } of sources) {
    const from = key(path);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const target of localImports(path, text, read))
      if (key(target) !== from || from === path) edges.add(key(target));
  }
  return graph;
}

const NODE_ALLOWED = [
  /^src\/node\//,
  /^src\/node\.ts$/,
  /^src\/cli\.ts$/,
  /^src\/db\/sqlite\.ts$/,
  /^src\/db\/make-folder\.ts$/,
  /^src\/db\/queries\/dump-sqlite\.ts$/,
];

describe('import boundaries', () => {
  it('only the Node host and the SQLite adapter import node: modules or better-sqlite3', () => {
    const offenders = sources.flatMap(({ path, text }) =>
      NODE_ALLOWED.some((re) => re.test(path))
        ? []
        : importsOf(text)
            .filter(
              (spec) =>
                spec.startsWith('node:') ||
                spec === 'better-sqlite3' ||
                spec.startsWith('drizzle-orm/better-sqlite3'),
            )
            .map((spec) => `${path} imports ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('model/ does no I/O and imports no later stage', () => {
    const offenders = sources
      .filter((s) => s.path.startsWith('src/model/'))
      .flatMap(({ path, text }) =>
        importsOf(text)
          .filter((spec) => /\/(db|api|ingest|dedupe|node)\//.test(spec) || spec.startsWith('node:'))
          .map((spec) => `${path} imports ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it('ocpi/ knows nothing of SQL, the API or ingest', () => {
    const offenders = sources
      .filter((s) => s.path.startsWith('src/ocpi/'))
      .flatMap(({ path, text }) =>
        importsOf(text)
          .filter((spec) => /\/(db|api|ingest|dedupe|node)\//.test(spec) || spec.startsWith('drizzle-orm'))
          .map((spec) => `${path} imports ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it('a stage imports only the stages before it', () => {
    const offenders = sources.flatMap(({ path, text }) => {
      const stage = stageOf(path);
      expect(STAGE_RANK[stage], `stage of ${path} has no rank`).toBeDefined();
      return localImports(path, text)
        .filter((target) => stageOf(target) !== stage && STAGE_RANK[stageOf(target)]! >= STAGE_RANK[stage]!)
        .map((target) => `${path} (${stage}) imports ${target} (${stageOf(target)})`);
    });
    expect(offenders).toEqual([]);
  });

  it('no stage imports itself round a circle, nor a file at run time', () => {
    expect(cyclesIn(graphOf(stageOf))).toEqual([]);
    // Between files only cycles that load code count: two modules sharing types are no knot.
    expect(cyclesIn(graphOf((p) => p, runtimeImportsOf))).toEqual([]);
  });

  it('the cycle check finds a circle, direct or through several stages', () => {
    const graph = (edges: [string, string][]) => {
      const g = new Map<string, Set<string>>();
      for (const [a, b] of edges) {
        g.set(a, (g.get(a) ?? new Set()).add(b));
        if (!g.has(b)) g.set(b, new Set());
      }
      return g;
    };
    expect(
      cyclesIn(
        graph([
          ['model', 'ocpi'],
          ['ocpi', 'model'],
        ]),
      ),
    ).toEqual([['model', 'ocpi']]);
    expect(
      cyclesIn(
        graph([
          ['ingest', 'dedupe'],
          ['dedupe', 'db'],
          ['db', 'ingest'],
          ['api', 'db'],
        ]),
      ),
    ).toEqual([['db', 'dedupe', 'ingest']]);
    expect(
      cyclesIn(
        graph([
          ['api', 'db'],
          ['db', 'model'],
          ['api', 'model'],
        ]),
      ),
    ).toEqual([]);
  });
});
