// Candidate search finds exactly the pairs within the radius (checked against a full scan), and
// the OCM baseline behaves as OCM's importer does: only latitude-order neighbours are compared.
import { describe, expect, it } from 'vitest';
import { ocmBaselineClusters } from '../../src/dedupe/baseline-ocm.js';
import { dedupeRecords } from '../../src/dedupe/dedupe-records.js';
import { GridIndex } from '../../src/dedupe/grid-index.js';
import { distanceM } from '../../src/model/geo.js';
import { location, offset, record } from './builders.js';

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bruteForcePairs(points: { lat: number; lon: number }[], radius: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      if (distanceM(points[i]!.lat, points[i]!.lon, points[j]!.lat, points[j]!.lon) <= radius)
        out.push(`${i}-${j}`);
    }
  }
  return out.sort();
}

describe('grid candidate search', () => {
  for (const [where, lat, lon] of [
    ['Ludwigsburg', 48.89, 9.19],
    ['Tromsø (far north)', 69.65, 18.96],
    ['Fiji (antimeridian)', -17.8, 179.9995],
  ] as const) {
    it(`finds the same pairs within 150 m as a full scan, around ${where}`, () => {
      const next = random(42);
      const points = Array.from({ length: 600 }, () => {
        const p = offset(lat, lon, (next() - 0.5) * 3000, (next() - 0.5) * 3000);
        return { lat: p.lat, lon: p.lon >= 180 ? p.lon - 360 : p.lon };
      });
      const expected = bruteForcePairs(points, 150);
      const found = new GridIndex(points, 150)
        .pairs()
        .map((p) => `${p.i}-${p.j}`)
        .sort();
      expect(expected.length).toBeGreaterThan(100);
      expect(found).toEqual(expected);
    });
  }
});

describe('OCM baseline', () => {
  it('merges records within 50 m only when they are neighbours in latitude order', () => {
    const a = location('A', { lat: 48.0, lon: 9.0 });
    const b = location('B', { ...offset(48.0, 9.0, 10, 0) });
    // C is 5 km east but between A and B in latitude order, so A and B are never compared.
    const c = location('C', { ...offset(48.0, 9.0, 5, 5000) });
    const clusters = ocmBaselineClusters([a, b, c].map((l) => record('s', 'ocpi', l)));
    expect(clusters).toHaveLength(3);
    const without = ocmBaselineClusters([a, b].map((l) => record('s', 'ocpi', l)));
    expect(without).toHaveLength(1);
  });

  it('merges neighbours with the same title and address however far apart, and any two within 50 m', () => {
    const same = { name: 'Parking Gare', address: '1 place de la Gare' };
    const a = location('A', { lat: 48.0, lon: 9.0, ...same });
    const b = location('B', { ...offset(48.0, 9.0, 2000, 0), ...same });
    const c = location('C', { ...offset(48.0, 9.0, 2030, 0), name: 'Other', address: 'Elsewhere 5' });
    expect(ocmBaselineClusters([a, b, c].map((l) => record('s', 'ocpi', l)))).toHaveLength(1);
  });
});

describe('determinism', () => {
  it('gives the same sites whatever order the records come in', () => {
    const next = random(7);
    const records = Array.from({ length: 300 }, (_, i) =>
      record(
        i % 3 === 0 ? 'reg' : 'cpo',
        i % 3 === 0 ? 'bnetza-json' : 'ocpi',
        location(`L${i}`, {
          ...offset(48.89, 9.19, (next() - 0.5) * 800, (next() - 0.5) * 800),
          address: `Hauptstraße ${Math.floor(next() * 20)}`,
          operator: { name: 'Stadtwerke Ludwigsburg-Kornwestheim', website: null },
        }),
      ),
    );
    const sites = (list: typeof records) =>
      JSON.stringify(dedupeRecords(list).clusters.map((c) => c.members));
    const shuffled = [...records].sort(() => next() - 0.5);
    expect(sites(shuffled)).toEqual(sites(records));
    expect(dedupeRecords(records).clusters.some((c) => c.members.length > 1)).toBe(true);
  });
});
