// The seams DESIGN.md promises: only the Node host and src/db's SQLite adapter touch Node or
// better-sqlite3, so the same core runs on Workers; and a stage knows only the stages before it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
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

const NODE_ALLOWED = [
  /^src\/node\//,
  /^src\/node\.ts$/,
  /^src\/cli\.ts$/,
  /^src\/db\/sqlite\.ts$/,
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
});
