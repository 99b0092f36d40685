// Proof that the Workers build carries nothing of Node: wrangler bundles src/worker.ts exactly as a
// deploy would (`wrangler deploy --dry-run`, offline, no account), and its esbuild metafile and
// output must contain no node: import, no better-sqlite3 and none of the Node-only modules.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<string, { bytes: number; inputs: Record<string, unknown> }>;
}

const outdir = mkdtempSync(join(tmpdir(), 'atlas-worker-bundle-'));
let stdout = '';
let meta: Metafile;
let bundle = '';

beforeAll(async () => {
  const run = await promisify(execFile)(
    process.execPath,
    ['node_modules/wrangler/bin/wrangler.js', 'deploy', '--dry-run', '--outdir', outdir, '--metafile'],
    {
      // No banner means no update check against the registry; no metrics; no prompts.
      env: { ...process.env, CI: 'true', WRANGLER_SEND_METRICS: 'false', WRANGLER_HIDE_BANNER: 'true' },
      timeout: 90_000,
    },
  );
  stdout = run.stdout;
  meta = JSON.parse(readFileSync(join(outdir, 'bundle-meta.json'), 'utf8')) as Metafile;
  bundle = readFileSync(join(outdir, 'worker.js'), 'utf8');
});

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
const NODE_ONLY = /(^|\/)(better-sqlite3|bindings|pino|node-cron|cli-progress|@hono\/node-server)\//;

describe('the Worker bundle (wrangler deploy --dry-run)', () => {
  it('builds and reports its size', () => {
    expect(stdout).toMatch(/Total Upload: [\d.]+ KiB \/ gzip: [\d.]+ KiB/);
    expect(Object.keys(meta.inputs)).toContain('src/worker.ts');
  });

  it('imports no Node built-in from any module it bundles', () => {
    const offending = Object.entries(meta.inputs).flatMap(([file, input]) =>
      input.imports.filter((i) => NODE_BUILTINS.has(i.path)).map((i) => `${file} -> ${i.path}`),
    );
    expect(offending).toEqual([]);
    expect(bundle).not.toMatch(/\b(from|import|require\()\s*\(?["']node:/);
  });

  it('bundles none of the Node-only modules or files', () => {
    const inputs = Object.keys(meta.inputs);
    expect(inputs.filter((f) => NODE_ONLY.test(f))).toEqual([]);
    expect(inputs.filter((f) => /^src\/(node\/|node\.ts|cli\.ts|db\/sqlite\.ts)/.test(f))).toEqual([]);
    expect(bundle).not.toContain('better-sqlite3');
  });

  it('leaves nothing to resolve at run time', () => {
    const external = Object.values(meta.outputs).flatMap(
      (o) => (o as { imports?: { path: string }[] }).imports ?? [],
    );
    expect(external).toEqual([]);
  });
});
