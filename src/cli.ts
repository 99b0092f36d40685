// The `atlas` command: serve | sync | sources | export | clients, each with -h/--help
// (the help table is src/node/cli-commands.ts). Problems with the settings end in one line that
// names the setting, and a non-zero exit; never a stack trace.
import pino from 'pino';
import { ensureSiteFeatures } from './db/write-site-features.js';
import { type Env, parseEnv } from './env.js';
import {
  COMMANDS,
  type CommandName,
  commandHelp,
  isCommand,
  overview,
  parseCommand,
} from './node/cli-commands.js';
import { clientsCommand } from './node/clients-command.js';
import { exitOnFailure } from './node/exit-on-failure.js';
import { EXPORT_FORMATS, exportCommand } from './node/export-command.js';
import { openDatabase } from './node/open-database.js';
import { createLogger, openAtlas, startServer } from './node/server.js';
import { sourcesCommand } from './node/sources-command.js';
import { untilStopSignal } from './node/stop-signal.js';
import { syncCommand } from './node/sync-command.js';

type Values = Record<string, string | boolean | string[] | undefined>;

async function serve(env: Env): Promise<number> {
  const server = await startServer(env);
  await untilStopSignal();
  await server.close();
  return 0;
}

async function sync(env: Env, values: Values): Promise<number> {
  // Log lines go to stderr so stdout stays the run summary (pipeable).
  const atlas = await openAtlas(
    env,
    createLogger(process.stdout.isTTY ? 'warn' : env.LOG_LEVEL, pino.destination(2)),
  );
  try {
    return await syncCommand(atlas, {
      sourceIds: (values.source as string[] | undefined) ?? [],
      mode: values.full ? 'full' : values.incremental ? 'incremental' : 'auto',
      tty: Boolean(process.stdout.isTTY),
      out: process.stdout,
    });
  } finally {
    await atlas.close();
  }
}

async function exportDump(env: Env, values: Values): Promise<number> {
  const format = EXPORT_FORMATS.find((f) => f === values.format);
  if (!format || typeof values.out !== 'string') {
    return usageError('export', `needs --format ${EXPORT_FORMATS.join('|')} and --out FILE`);
  }
  const dates = values.date as string[] | undefined;
  if (dates && format !== 'status') return usageError('export', '--date applies to --format status only');
  // The data only: no sources file, no demo source, no sync.
  const db = openDatabase(env.ATLAS_DB);
  try {
    await ensureSiteFeatures(db);
    return await exportCommand(db, {
      format,
      out: values.out,
      dates,
      staleAfterS: env.ATLAS_STALE_AFTER_S,
      tty: Boolean(process.stderr.isTTY),
      log: process.stderr,
    });
  } finally {
    await db.close();
  }
}

async function clients(env: Env, values: Values, positionals: string[]): Promise<number> {
  const db = openDatabase(env.ATLAS_DB);
  const origin = env.ATLAS_PUBLIC_URL?.replace(/\/+$/, '') ?? `http://localhost:${env.PORT}`;
  try {
    return await clientsCommand(db, {
      action: positionals[0],
      name: values.name as string | undefined,
      id: positionals[1],
      versionsUrl: `${origin}/ocpi/versions`,
      out: process.stdout,
      err: process.stderr,
    });
  } finally {
    await db.close();
  }
}

async function sources(env: Env): Promise<number> {
  const atlas = await openAtlas(env, createLogger('warn'));
  try {
    return await sourcesCommand(atlas, process.stdout);
  } finally {
    await atlas.close();
  }
}

function usageError(command: CommandName | null, problem: string): number {
  const name = command ? `atlas ${command}` : 'atlas';
  process.stderr.write(`${name}: ${problem} (see ${name} --help)\n`);
  return 2;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(overview());
    return command === undefined ? 2 : 0;
  }
  if (!isCommand(command)) {
    return usageError(null, `unknown command "${command}"; one of ${Object.keys(COMMANDS).join(', ')}`);
  }
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(command, rest);
  } catch (err) {
    return usageError(command, (err as Error).message);
  }
  if (parsed.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  const env = parseEnv(process.env);
  const { values, positionals } = parsed;
  switch (command) {
    case 'serve':
      return serve(env);
    case 'sync':
      return sync(env, values);
    case 'export':
      return exportDump(env, values);
    case 'clients':
      return clients(env, values, positionals);
    case 'sources':
      return sources(env);
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code), exitOnFailure);
