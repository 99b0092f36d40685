// The `atlas` command: serve | sync [--source ID]... [--full|--incremental] | sources | export.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { openSqlite } from './db/sqlite.js';
import { ensureSiteFeatures } from './db/write-site-features.js';
import { parseEnv } from './env.js';
import { SourcesFileError } from './ingest/sources-file.js';
import { clientsCommand } from './node/clients-command.js';
import { EXPORT_FORMATS, exportCommand } from './node/export-command.js';
import { createLogger, openAtlas, startServer } from './node/server.js';
import { sourcesCommand } from './node/sources-command.js';
import { syncCommand } from './node/sync-command.js';

const USAGE = `usage: atlas <command>
  serve                                   serve the API (PORT, ATLAS_DB, ATLAS_SOURCES)
  sync [--source ID]... [--full|--incremental]
                                          pull every (or the named) source once
  sources                                 source health: last run, counts, quarantine
  export --format geojson|ndjson|csv|sqlite|fgb|parquet --out FILE[.gz]
                                          write a dump of the published data
  export --format status --out DIR [--date YYYY-MM-DD]...
                                          write the daily status dumps (every day by default)
  clients add --name NAME | list | revoke ID
                                          eMSPs reading our OCPI sender (docs/ocpi-out.md)`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = parseEnv(process.env);
  switch (command) {
    case 'serve': {
      const server = await startServer(env);
      await new Promise<void>((resolve) => {
        for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
      });
      await server.close();
      return 0;
    }
    case 'sync': {
      const { values } = parseArgs({
        args: rest,
        options: {
          source: { type: 'string', multiple: true },
          full: { type: 'boolean' },
          incremental: { type: 'boolean' },
        },
      });
      // Log lines go to stderr so stdout stays the run summary (pipeable).
      const atlas = await openAtlas(
        env,
        createLogger(process.stdout.isTTY ? 'warn' : env.LOG_LEVEL, pino.destination(2)),
      );
      try {
        return await syncCommand(atlas, {
          sourceIds: values.source ?? [],
          mode: values.full ? 'full' : values.incremental ? 'incremental' : 'auto',
          tty: Boolean(process.stdout.isTTY),
          out: process.stdout,
        });
      } finally {
        await atlas.close();
      }
    }
    case 'export': {
      const { values } = parseArgs({
        args: rest,
        options: {
          format: { type: 'string' },
          out: { type: 'string' },
          date: { type: 'string', multiple: true },
        },
      });
      const format = EXPORT_FORMATS.find((f) => f === values.format);
      if (!format || !values.out) {
        process.stderr.write(`export needs --format ${EXPORT_FORMATS.join('|')} and --out FILE\n${USAGE}\n`);
        return 2;
      }
      if (values.date && format !== 'status') {
        process.stderr.write(`export: --date applies to --format status only\n${USAGE}\n`);
        return 2;
      }
      // The data only: no sources file, no demo source, no sync.
      const db = openSqlite(env.ATLAS_DB);
      try {
        await ensureSiteFeatures(db);
        return await exportCommand(db, {
          format,
          out: values.out,
          dates: values.date,
          tty: Boolean(process.stderr.isTTY),
          log: process.stderr,
        });
      } finally {
        await db.close();
      }
    }
    case 'clients': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { name: { type: 'string' } },
        allowPositionals: true,
      });
      const db = openSqlite(env.ATLAS_DB);
      const origin = env.ATLAS_PUBLIC_URL?.replace(/\/+$/, '') ?? `http://localhost:${env.PORT}`;
      try {
        return await clientsCommand(db, {
          action: positionals[0],
          name: values.name,
          id: positionals[1],
          versionsUrl: `${origin}/ocpi/versions`,
          out: process.stdout,
          err: process.stderr,
        });
      } finally {
        await db.close();
      }
    }
    case 'sources': {
      const atlas = await openAtlas(env, createLogger('warn'));
      try {
        return await sourcesCommand(atlas, process.stdout);
      } finally {
        await atlas.close();
      }
    }
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command "${command}"\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = err instanceof SourcesFileError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`atlas: ${message}\n`);
    process.exit(1);
  },
);
