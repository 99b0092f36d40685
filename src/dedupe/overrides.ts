// The overrides file: pairs of records that the people running an instance know to be one site
// ("always") or two ("never"), whatever the scores say. A record is named by its source id and the
// source's own id, as "source:id" or as an object (with the OCPI party when one source holds the
// same id for two parties):
//
//   { "always": [["lt-lakd:2430", "lt-ocm:267697"]],
//     "never":  [[{ "source": "nl-ndw", "id": "32413", "country_code": "NL", "party_id": "CKE" }, "osm:991"]] }

import { z } from 'zod';
import { parseSettingsJson } from '../model/json-syntax.js';
import type { Overrides, RecordSelector } from './types.js';

const selectorText = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}:.+$/, 'expected "source:id"')
  .transform((s): RecordSelector => {
    const at = s.indexOf(':');
    return { source: s.slice(0, at), id: s.slice(at + 1) };
  });

const selectorObject = z
  .object({
    source: z.string().min(1),
    id: z.string().min(1),
    country_code: z.string().length(2).optional(),
    party_id: z.string().min(1).max(3).optional(),
  })
  .strict()
  .transform(
    (o): RecordSelector => ({
      source: o.source,
      id: o.id,
      ...(o.country_code !== undefined ? { countryCode: o.country_code } : {}),
      ...(o.party_id !== undefined ? { partyId: o.party_id } : {}),
    }),
  );

const selector = z.union([selectorText, selectorObject]);
const pair = z.tuple([selector, selector]);

const overridesSchema = z
  .object({ always: z.array(pair).default([]), never: z.array(pair).default([]) })
  .strict()
  .superRefine((o, ctx) => {
    const key = (s: RecordSelector) => `${s.source}:${s.id}`.toLowerCase();
    const always = new Set(o.always.flatMap(([a, b]) => [`${key(a)}|${key(b)}`, `${key(b)}|${key(a)}`]));
    o.never.forEach(([a, b], i) => {
      if (always.has(`${key(a)}|${key(b)}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['never', i],
          message: 'this pair is also listed under "always"',
        });
      }
    });
  });

export class OverridesFileError extends Error {}

/** Parses the overrides file's text; throws OverridesFileError naming the file and the entry at fault. */
export function parseOverrides(text: string, fileName: string): Overrides {
  const read = parseSettingsJson(text);
  if ('problem' in read) {
    throw new OverridesFileError(
      `dedupe overrides file ${fileName} (ATLAS_DEDUPE_OVERRIDES) is not valid JSON: ${read.problem}`,
    );
  }
  const parsed = overridesSchema.safeParse(read.json);
  if (!parsed.success) {
    // One line (the CLI prints the first line of a message only), every entry at fault.
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new OverridesFileError(
      `dedupe overrides file ${fileName} (ATLAS_DEDUPE_OVERRIDES) is invalid: ${problems.join('; ')}`,
    );
  }
  return parsed.data;
}
