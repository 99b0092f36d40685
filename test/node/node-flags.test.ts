// `atlas sync` runs with a young generation of its own (scripts/build-node.mjs says why), while the
// server, whose syncs run in process, and every other command keep the server's Node options.
import { describe, expect, it } from 'vitest';
import { NODE_FLAGS, nodeFlagsFor, SYNC_NODE_FLAGS } from '../../scripts/build-node.mjs';

const semiSpaceMb = (flags: string[]) =>
  Number(flags.find((f) => f.startsWith('--max-semi-space-size='))?.split('=')[1]);

describe('Node options per atlas command', () => {
  it('gives the sync command larger semi-spaces than the server, with the same bound on heap growth', () => {
    expect(nodeFlagsFor('sync')).toBe(SYNC_NODE_FLAGS);
    expect(semiSpaceMb(SYNC_NODE_FLAGS)).toBeGreaterThan(semiSpaceMb(NODE_FLAGS));
    expect(SYNC_NODE_FLAGS).toContain('--heap-growing-percent=20');
  });

  it('keeps the server options for serve, export and the rest', () => {
    for (const command of ['serve', 'export', 'clients', 'sources', undefined]) {
      expect(nodeFlagsFor(command)).toBe(NODE_FLAGS);
    }
  });
});
