// FlatGeobuf's spatial index: a packed Hilbert R-tree (flatgeobuf.org, "Index"). Features are
// sorted by the Hilbert value of their position; leaves hold each feature's box and byte offset in
// the features section; each level above holds the box of up to NODE_SIZE children and the index
// of the first of them; the root is written first. Nodes are 40 bytes: 4 float64 + 1 uint64.
import { generateLevelBounds } from 'flatgeobuf/lib/mjs/packedrtree.js';

export const NODE_SIZE = 16;
const NODE_BYTES = 40;
const HILBERT_MAX = (1 << 16) - 1;

/** The Hilbert curve index of (x, y) on a 2^16 x 2^16 grid (the classic rotate-and-flip walk). */
export function hilbert(x: number, y: number): number {
  let d = 0;
  let rx: number;
  let ry: number;
  for (let s = 1 << 15; s > 0; s >>= 1) {
    rx = (x & s) > 0 ? 1 : 0;
    ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) {
        x = s - 1 - x;
        y = s - 1 - y;
      }
      [x, y] = [y, x];
    }
  }
  return d;
}

/** The order in which to write point features: by Hilbert value over their envelope. */
export function hilbertOrder(xs: Float64Array, ys: Float64Array, envelope: number[]): Uint32Array {
  const [minX, minY, maxX, maxY] = envelope as [number, number, number, number];
  const w = maxX - minX || 1;
  const h = maxY - minY || 1;
  const keys = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const hx = Math.floor((HILBERT_MAX * (xs[i]! - minX)) / w);
    const hy = Math.floor((HILBERT_MAX * (ys[i]! - minY)) / h);
    keys[i] = hilbert(hx, hy);
  }
  const order = Uint32Array.from(keys.keys());
  return order.sort((a, b) => keys[a]! - keys[b]!);
}

/**
 * The index bytes for point features already in Hilbert order: `xs`/`ys` their positions and
 * `offsets` their byte offsets in the features section, in that order.
 */
export function packedRTree(xs: Float64Array, ys: Float64Array, offsets: Float64Array): Uint8Array {
  const n = xs.length;
  const levels = generateLevelBounds(n, NODE_SIZE);
  // Leaves are the last level written, so their end is the node count.
  const total = levels[0]![1];
  const boxes = new Float64Array(total * 4);
  const refs = new Float64Array(total);
  const leafStart = levels[0]![0];
  for (let i = 0; i < n; i++) {
    const k = leafStart + i;
    boxes.set([xs[i]!, ys[i]!, xs[i]!, ys[i]!], k * 4);
    refs[k] = offsets[i]!;
  }
  for (let l = 1; l < levels.length; l++) {
    const [childStart, childEnd] = levels[l - 1]!;
    const [start, end] = levels[l]!;
    for (let k = start; k < end; k++) {
      const first = childStart + (k - start) * NODE_SIZE;
      const last = Math.min(first + NODE_SIZE, childEnd);
      let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let c = first; c < last; c++) {
        x0 = Math.min(x0, boxes[c * 4]!);
        y0 = Math.min(y0, boxes[c * 4 + 1]!);
        x1 = Math.max(x1, boxes[c * 4 + 2]!);
        y1 = Math.max(y1, boxes[c * 4 + 3]!);
      }
      boxes.set([x0, y0, x1, y1], k * 4);
      refs[k] = first;
    }
  }
  const out = new Uint8Array(total * NODE_BYTES);
  const view = new DataView(out.buffer);
  for (let k = 0; k < total; k++) {
    for (let j = 0; j < 4; j++) view.setFloat64(k * NODE_BYTES + j * 8, boxes[k * 4 + j]!, true);
    view.setBigUint64(k * NODE_BYTES + 32, BigInt(refs[k]!), true);
  }
  return out;
}
