// The `atlas` command's help table: each command's usage, what it does and its options, in one
// place, so `atlas`, `atlas -h`, `atlas CMD -h` and a mistyped option all answer from the same text.
import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec {
  usage: string;
  summary: string;
  /** Lines after the usage in `atlas CMD --help`. */
  details: string[];
  options: Options;
  positionals?: boolean;
}

export const COMMANDS = {
  serve: {
    usage: 'atlas serve',
    summary: 'serve the API, syncing every source on its schedule',
    details: [
      'Settings come from the environment (README "Environment variables"): PORT, HOST, ATLAS_DB,',
      'ATLAS_SOURCES (unset: a built-in demo source), ATLAS_RATE_LIMIT_*, ATLAS_TRUST_PROXY, LOG_LEVEL.',
      'Stops on SIGINT/SIGTERM after the running syncs finish.',
    ],
    options: {},
  },
  sync: {
    usage: 'atlas sync [--source ID]... [--full|--incremental]',
    summary: 'pull every enabled (or the named) source once',
    details: [
      '  --source ID      only this source (repeatable)',
      '  --full           a full pull (the only kind that marks records removed)',
      '  --incremental    only what changed since the last run',
      'Prints one summary line per source; exit 1 when one failed, 2 for an unknown source id.',
    ],
    options: {
      source: { type: 'string', multiple: true },
      full: { type: 'boolean' },
      incremental: { type: 'boolean' },
    },
  },
  sources: {
    usage: 'atlas sources',
    summary: 'source health: last run, counts, quarantine (JSON)',
    details: [],
    options: {},
  },
  export: {
    usage: 'atlas export --format FORMAT --out FILE[.gz] [--date YYYY-MM-DD]...',
    summary: 'write a dump of the published data',
    details: [
      '  --format geojson|ndjson|csv|sqlite|fgb|parquet   a dump of the sites, as /v1/dumps serves it',
      '  --format pmtiles                                  the map tiles as one PMTiles v3 archive (zooms 0-12)',
      '  --format status --out DIR                         the daily status dumps (every day by default)',
      '  --date YYYY-MM-DD                                 with --format status: only these days',
      'FILE ending in .gz is gzip-compressed (not a PMTiles archive: its tiles are already); the licence text goes beside it as FILE.LICENSE.txt.',
    ],
    options: {
      format: { type: 'string' },
      out: { type: 'string' },
      date: { type: 'string', multiple: true },
    },
  },
  clients: {
    usage: 'atlas clients add --name NAME | list | revoke ID',
    summary: 'eMSPs reading our OCPI sender (docs/ocpi-out.md)',
    details: [
      '  add --name NAME   register a client; prints its versions URL and token A (shown once)',
      '  list              the clients, their state and push backlog (JSON)',
      '  revoke ID         revoke a client: its tokens stop working, its backlog is dropped',
    ],
    options: { name: { type: 'string' } },
    positionals: true,
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

export function overview(): string {
  const lines = Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`);
  return `usage: atlas <command> [options]   (atlas <command> --help for its options)\n${lines.join('\n')}\n`;
}

export function commandHelp(name: CommandName): string {
  const c: CommandSpec = COMMANDS[name];
  return (
    [`usage: ${c.usage}`, '', c.summary, ...(c.details.length ? ['', ...c.details] : [])].join('\n') + '\n'
  );
}

export type Parsed =
  | { help: true }
  | { help: false; values: Record<string, string | boolean | string[] | undefined>; positionals: string[] };

/** The command's arguments, or help; an unknown option or a missing value throws (one line). */
export function parseCommand(name: CommandName, args: string[]): Parsed {
  const c: CommandSpec = COMMANDS[name];
  const { values, positionals } = parseArgs({
    args,
    options: { ...c.options, help: { type: 'boolean', short: 'h' } },
    allowPositionals: c.positionals ?? false,
    strict: true,
  });
  if (values.help) return { help: true };
  return { help: false, values, positionals };
}
