import { describe, expect, it } from 'vitest';
import { cellOf, cellRanges } from '../../src/db/spatial-key.js';
import type { Bbox } from '../../src/model/geo.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const inRanges = (cell: number, ranges: [number, number][]) =>
  ranges.some(([a, b]) => cell >= a && cell <= b);

describe('spatial key', () => {
  it('covers every point inside a box with at most the allowed number of ranges', () => {
    const r = rng(7);
    for (let i = 0; i < 200; i++) {
      const lon = r() * 360 - 180;
      const lat = r() * 180 - 90;
      const box: Bbox = {
        minLon: lon,
        minLat: lat,
        maxLon: Math.min(180, lon + r() * 3),
        maxLat: Math.min(90, lat + r() * 2),
      };
      const ranges = cellRanges(box);
      expect(ranges.length).toBeLessThanOrEqual(24);
      for (let j = 0; j < 50; j++) {
        const plon = box.minLon + r() * (box.maxLon - box.minLon);
        const plat = box.minLat + r() * (box.maxLat - box.minLat);
        expect(inRanges(cellOf(plat, plon), ranges)).toBe(true);
      }
    }
  });

  it('keeps a small box tight: few points far outside it fall in its ranges', () => {
    const box: Bbox = { minLon: 5.1, minLat: 52.05, maxLon: 5.15, maxLat: 52.1 };
    const ranges = cellRanges(box);
    const r = rng(3);
    let falsePositives = 0;
    for (let i = 0; i < 2000; i++) {
      const lon = 4 + r() * 2;
      const lat = 51.5 + r() * 1;
      const inside = lon >= box.minLon && lon <= box.maxLon && lat >= box.minLat && lat <= box.maxLat;
      if (!inside && inRanges(cellOf(lat, lon), ranges)) falsePositives++;
    }
    // The ranges may overshoot by whole cells at the edges, never by most of the 2x1 degree area.
    expect(falsePositives).toBeLessThan(100);
  });

  it('orders cells so that the whole world is one range', () => {
    expect(cellRanges({ minLon: -180, minLat: -90, maxLon: 180, maxLat: 90 })).toEqual([[0, 2 ** 32 - 1]]);
  });
});
