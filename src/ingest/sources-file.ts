// The sources file (ATLAS_SOURCES): validated once at startup, with errors that name the file and
// the field, so an operator can fix it without reading code.

import { z } from 'zod';
import { parseSettingsJson } from '../model/json-syntax.js';
import { cronProblem } from './cron-schedule.js';
import { registerMapping } from './registers/mapped/config.js';

const OCPI_VERSIONS = ['2.1.1', '2.2', '2.2.1', '2.3.0'] as const;
export const REGISTER_TYPES = ['ocm', 'bnetza-csv', 'bnetza-json', 'irve', 'afdc-csv', 'mapped'] as const;

const party = z.object({
  country_code: z.string().regex(/^[A-Za-z]{2}$/, 'a two-letter country code'),
  party_id: z.string().regex(/^[A-Za-z0-9]{3}$/, 'a three-character party id'),
});

const common = {
  id: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
      'letters, digits, "-" or "_" (at most 64), starting with a letter or digit',
    ),
  name: z.string().min(1),
  schedule: z.string().min(1).default('*/30 * * * *'),
  /** Schedule of the full pulls, the only ones that may mark records removed. */
  full_schedule: z.string().min(1).default('17 3 * * *'),
  /** IANA time zone both schedules are read in; UTC when absent, on Node and Workers alike. */
  timezone: z.string().min(1).optional(),
  license: z.string().min(1).optional(),
  attribution: z.string().min(1).optional(),
  enabled: z.boolean().default(true),
  /**
   * What kind of publisher this is, for dedupe's field precedence (own live feed > access point >
   * register > crowd). Default: ocpi -> cpo, ocm -> crowd, other registers -> register. Mark a
   * national access point or roaming hub reached over OCPI as `nap`.
   */
  kind: z.enum(['cpo', 'nap', 'register', 'crowd']).optional(),
  /** `station` when one record is one pole rather than a whole site (dedupe may then merge by place). */
  granularity: z.enum(['site', 'station']).optional(),
};

/** Both schedules parse (in the source's time zone), so a bad one stops startup on either host. */
function checkSchedules(
  s: { schedule: string; full_schedule: string; timezone?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  for (const field of ['schedule', 'full_schedule'] as const) {
    const problem = cronProblem(s[field], s.timezone);
    if (problem) ctx.addIssue({ code: 'custom', path: [field], message: problem });
  }
}

const ocpiSource = z
  .object({
    ...common,
    type: z.literal('ocpi').default('ocpi'),
    versions_url: z.url({ protocol: /^https?$/ }),
    token: z.string().min(1),
    /** When true, `token` is a token A and the credentials handshake runs first (requires ATLAS_PUBLIC_URL). */
    register: z.boolean().default(false),
    version: z.enum(OCPI_VERSIONS).optional(),
    push_token: z.string().min(1).optional(),
    parties: z.array(party).default([]),
    page_size: z.number().int().positive().max(10_000).optional(),
    /** A full pull holding fewer than this share of what we hold is suspect and not applied. */
    suspect_ratio: z.number().min(0).max(1).default(0.5),
  })
  .superRefine(checkSchedules);

/**
 * A register is read as one file, whole, on every run (a full snapshot: what it no longer lists
 * may be removed), so a folder, a list or a pattern is refused with this; docs/registers.md says how
 * to join files.
 */
export const REGISTER_URL_IS_ONE_FILE =
  "a register's url is one file (a local path or an http(s) URL); join several files into one, or give each its own source (docs/registers.md#one-file-per-register)";

const registerSource = z
  .object({
    ...common,
    type: z.enum(REGISTER_TYPES),
    url: z
      .string({
        error: (issue) =>
          Array.isArray(issue.input) ? `is one file, not a list: ${REGISTER_URL_IS_ONE_FILE}` : undefined,
      })
      .min(1),
    /**
     * A run whose quarantined share of records reaches this fails (source health, CLI exit code):
     * 1 = only when every record is quarantined; 0.9 = when nine in ten are.
     */
    fail_quarantined_share: z.number().gt(0).max(1).optional(),
    /** OCM only: which of our source ids an OCM data provider imports from, e.g. {"32": "lakd"}. */
    ocm_providers: z.record(z.string(), z.string()).optional(),
    /** `mapped` only (and required there): how the file's columns become canonical fields (docs/registers.md). */
    mapping: registerMapping.optional(),
  })
  .superRefine(checkSchedules)
  .superRefine((s, ctx) => {
    if ((s.type === 'mapped') !== (s.mapping !== undefined)) {
      const message =
        s.type === 'mapped' ? 'a mapped register needs a mapping' : 'only a mapped register has a mapping';
      ctx.addIssue({ code: 'custom', path: ['mapping'], message });
    }
  });

export type OcpiSourceConfig = z.infer<typeof ocpiSource>;
export type RegisterSourceConfig = z.infer<typeof registerSource>;
export type SourceConfig = OcpiSourceConfig | RegisterSourceConfig;

export function isOcpiSource(s: SourceConfig): s is OcpiSourceConfig {
  return s.type === 'ocpi';
}

/** "is missing" instead of zod's "expected string, received undefined" for an absent field. */
const missingField = (issue: { code?: string; input?: unknown }) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'is missing' : undefined;

/** A source entry: OCPI unless `type` names an open-register format. */
const sourceEntry = z.unknown().transform((raw, ctx): SourceConfig => {
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  const schema = type === undefined || type === 'ocpi' ? ocpiSource : registerSource;
  const parsed = schema.safeParse(raw, { error: missingField });
  if (!parsed.success) {
    // Re-raised as custom issues: the message and path are what the error line shows.
    for (const { message, path } of parsed.error.issues) ctx.addIssue({ code: 'custom', message, path });
    return z.NEVER;
  }
  return parsed.data;
});

const sourcesFile = z
  .union([z.array(z.unknown()), z.object({ sources: z.array(z.unknown()) })])
  .transform((v) => (Array.isArray(v) ? v : v.sources))
  .pipe(z.array(sourceEntry))
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      const key = s.id.toLowerCase();
      if (seen.has(key))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate source id "${s.id}"` });
      seen.add(key);
    });
  });

export class SourcesFileError extends Error {}

/** How messages name a sources file on Node: the file and its setting. */
export const sourcesFileOrigin = (fileName: string) => `sources file ${fileName} (ATLAS_SOURCES)`;

/**
 * Parses the sources file's text; throws SourcesFileError naming the file and the field at fault.
 * `origin` names where the text came from in messages: Node's file and setting by default.
 */
export function parseSourcesFile(
  text: string,
  fileName: string,
  origin = sourcesFileOrigin(fileName),
): SourceConfig[] {
  const read = parseSettingsJson(text);
  if ('problem' in read) throw new SourcesFileError(`${origin} is not valid JSON: ${read.problem}`);
  const { json } = read;
  const parsed = sourcesFile.safeParse(json, { error: missingField });
  if (!parsed.success) {
    // One line (the CLI prints it as it is), naming the setting, the file and every field at fault.
    const problems = parsed.error.issues.map((issue) => `${formatPath(json, issue.path)}: ${issue.message}`);
    throw new SourcesFileError(`${origin} is invalid: ${problems.join('; ')}`);
  }
  return parsed.data;
}

function formatPath(json: unknown, path: PropertyKey[]): string {
  const list = Array.isArray(json) ? json : (json as { sources?: unknown[] } | null)?.sources;
  const [first, ...rest] = path;
  const prefix = Array.isArray(json) ? '' : 'sources';
  if (typeof first !== 'number') return path.join('.') || '(file)';
  const entry = list?.[first] as { id?: unknown } | undefined;
  const name = typeof entry?.id === 'string' ? ` (id "${entry.id}")` : '';
  const field = rest.length > 0 ? `.${rest.join('.')}` : '';
  return `${prefix}[${first}]${name}${field}`;
}
