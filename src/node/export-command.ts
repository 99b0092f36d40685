// `atlas export --format geojson|ndjson|csv|sqlite --out FILE`: the same files /v1/dumps serves,
// written to disk with a progress bar on a TTY. FILE ending in `.gz` is gzip-compressed like the
// HTTP dump; otherwise plain. The licence text goes beside it as FILE.LICENSE.txt (a .gz or .csv
// has no room for it).
import { createReadStream, createWriteStream, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { createGzip } from 'node:zlib';
import cliProgress from 'cli-progress';
import { DUMP_FORMATS, licenseText, type TextDumpFormat, textDump } from '../api/dump-formats.js';
import { countPublishedSites, republishableSources } from '../db/queries/dump-sources.js';
import { writePublishableSnapshot } from '../db/queries/dump-sqlite.js';
import type { Db } from '../db/types.js';

export const EXPORT_FORMATS = [...DUMP_FORMATS, 'sqlite'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  out: string;
  tty: boolean;
  /** Where the summary (and the bar, on a TTY) goes. */
  log: NodeJS.WritableStream;
  now?: Date;
}

export async function exportCommand(db: Db, opts: ExportOptions): Promise<number> {
  const now = opts.now ?? new Date();
  const gz = opts.out.endsWith('.gz');
  // Written under a temporary name, so FILE is either the previous file or the complete new one.
  const partial = `${opts.out}.partial`;
  const total = await countPublishedSites(db);
  const bar = opts.tty
    ? new cliProgress.SingleBar(
        {
          format: `${opts.format} | {bar} | {value}/{total} sites | {eta_formatted} left`,
          hideCursor: true,
          stream: opts.log as NodeJS.WriteStream,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  try {
    if (opts.format === 'sqlite') {
      bar?.start(1, 0);
      const plain = gz ? `${partial}.sqlite` : partial;
      await writePublishableSnapshot(db, plain);
      if (gz) {
        await pipeline(createReadStream(plain), createGzip(), createWriteStream(partial));
        rmSync(plain, { force: true });
      }
      bar?.update(1);
    } else {
      bar?.start(total, 0);
      const body = textDump(db, opts.format as TextDumpFormat, now, (n) => bar?.update(n));
      const source = Readable.fromWeb(body as unknown as NodeReadableStream<Uint8Array>);
      await (gz
        ? pipeline(source, createGzip(), createWriteStream(partial))
        : pipeline(source, createWriteStream(partial)));
    }
    renameSync(partial, opts.out);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    bar?.stop();
  }
  writeFileSync(`${opts.out}.LICENSE.txt`, licenseText(await republishableSources(db), now.toISOString()));
  opts.log.write(
    `wrote ${opts.out} (${total} sites, ${opts.format}${gz ? ', gzip' : ''}) and ${opts.out}.LICENSE.txt\n`,
  );
  return 0;
}
