// A temp dir that goes when the test that made it ends, however it ends: tests that made several
// per test, or none of whose cleanup ran, had left hundreds of dirs in the system temp dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** A new dir under the system temp dir named `prefix` + a random suffix; call it inside a test. */
export function testDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
