// Query parameters shared by several resources, validated with zod at the edge.
import { z } from 'zod';
import type { Bbox } from '../model/geo.js';

const finite = (name: string) =>
  z
    .string()
    .trim()
    .min(1, `${name} is empty`)
    .pipe(z.coerce.number<string>().refine(Number.isFinite, `${name} is not a number`));

const BBOX_FORM = 'minLon,minLat,maxLon,maxLat (4 numbers)';

// Absent where required, or given twice (an array): zod's own words were "Invalid input: expected
// string, received undefined".
export const bboxParam = z
  .string({
    error: (issue) => (issue.input === undefined ? `required: ${BBOX_FORM}` : `give it once: ${BBOX_FORM}`),
  })
  .transform((s, ctx): Bbox => {
    const parts = s.split(',');
    if (parts.length !== 4) {
      ctx.addIssue({ code: 'custom', message: `expected ${BBOX_FORM}` });
      return z.NEVER;
    }
    const nums = parts.map((p) => (p.trim() === '' ? Number.NaN : Number(p)));
    if (nums.some((n) => !Number.isFinite(n))) {
      ctx.addIssue({ code: 'custom', message: 'every bbox value must be a number' });
      return z.NEVER;
    }
    const [minLon, minLat, maxLon, maxLat] = nums as [number, number, number, number];
    if ([minLon, maxLon].some((v) => v < -180 || v > 180)) {
      ctx.addIssue({ code: 'custom', message: 'longitudes must be within -180..180' });
      return z.NEVER;
    }
    if ([minLat, maxLat].some((v) => v < -90 || v > 90)) {
      ctx.addIssue({ code: 'custom', message: 'latitudes must be within -90..90' });
      return z.NEVER;
    }
    if (minLat > maxLat) {
      ctx.addIssue({ code: 'custom', message: 'minLat must not be greater than maxLat' });
      return z.NEVER;
    }
    // minLon > maxLon is a box across the antimeridian (RFC 7946 §5.2); queries split it.
    return { minLon, minLat, maxLon, maxLat };
  });

export const limitParam = (max: number, def: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from 1 to ${max}`)
    .transform(Number)
    // The bounds first: 10^20 is "at most 10000", not zod's "expected int to be <= 2^53 - 1".
    .pipe(z.number().min(1, `must be at least 1`).max(max, `must be at most ${max}`).int())
    .optional()
    .transform((v) => v ?? def);

export { finite as finiteNumber };
