// The acceptance check of the Workers build: the feed the Node build pulled in globalSetup
// (test/worker-parity/node-build.ts), pulled again by the Worker's Cron handler into D1, must be
// served byte for byte as Node served it, for every parity query.
import { exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { comparableBody } from '../worker-parity/parity-context.js';
import { syncToCompletion } from './cron.js';

const parity = inject('workerParity');

beforeAll(async () => {
  await syncToCompletion(parity.sourceId);
});

describe('the Worker serves the same bytes as the Node build for the same feed', () => {
  it('has Node answers to compare with, GeoJSON among them', () => {
    expect(parity.cases.length).toBeGreaterThan(10);
    const geojson = parity.cases.filter((c) => c.status === 200 && c.contentType?.includes('geo+json'));
    expect(geojson.length).toBeGreaterThanOrEqual(8);
  });

  for (const expected of parity.cases) {
    it(`GET ${expected.path}`, async () => {
      const res = await exports.default.fetch(parity.nodeUrl + expected.path);
      const body = await comparableBody(res, expected.path);
      expect({ status: res.status, contentType: res.headers.get('content-type') }).toEqual({
        status: expected.status,
        contentType: expected.contentType,
      });
      // Compared as text: byte-identical, not merely equal once parsed.
      expect(firstDifference(expected.body, body)).toBeNull();
    });
  }
});

/** Where two texts first differ, with some context, for a failure message a person can act on. */
function firstDifference(node: string, worker: string): string | null {
  if (node === worker) return null;
  let i = 0;
  while (i < node.length && node[i] === worker[i]) i++;
  const around = (t: string) => JSON.stringify(t.slice(Math.max(0, i - 80), i + 80));
  return `lengths ${node.length} (Node) / ${worker.length} (Worker); first difference at ${i}:\n  Node:   ${around(node)}\n  Worker: ${around(worker)}`;
}
