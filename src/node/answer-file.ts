// The statistics' last answers across a restart. /v1/stats is computed by the statistics worker as
// the server starts (six aggregate queries, 2-5 s each on 1M EVSEs on an idle 2-core machine), and
// until that first computation ends every request waited ATLAS_HEAVY_WAIT_MS for a 503 `busy`:
// a restart (a deploy) took the statistics away for as long. The event loop's last answers
// (last-answers.ts) are written to a file beside the database, and the next server starts with
// them, so it serves them, with their real `Age`, while its own first computation runs.
//
// Only when they still stand for the data: each file records the data version (without the build:
// a deploy does not change the data) read when it was written, and a server whose database has
// moved since (a sync by the CLI while the server was down, a restored backup) starts without
// them. A file, not a table: the write happens on the event loop, which must never wait for the
// database's write lock held by a sync in another process.
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Logger } from '../log.js';
import type { KeptAnswer } from './last-answers.js';

const FORMAT = 1;

const fileSchema = z.object({
  format: z.literal(FORMAT),
  dataVersion: z.string(),
  answers: z.array(
    z.object({
      key: z.string(),
      at: z.number(),
      /** Only 200s are kept (last-answers.ts). */
      status: z.literal(200),
      headers: z.record(z.string(), z.string()),
      /** base64: the bytes as the worker rendered them. */
      body: z.string(),
    }),
  ),
});

/** The file the statistics' last answers of a database are kept in. */
export const answerFilePath = (dbFile: string) => `${dbFile}.last-answers.json`;

/**
 * The answers the file holds when its data version is `dataVersion`, else none (a missing,
 * unreadable or foreign file included: the server then computes them, as without the file).
 */
export async function restoreAnswers(path: string, dataVersion: string, log: Logger): Promise<KeptAnswer[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ path, err: String(err) }, 'last answers unreadable');
    return [];
  }
  let parsed: z.infer<typeof fileSchema>;
  try {
    parsed = fileSchema.parse(JSON.parse(text));
  } catch (err) {
    log.warn({ path, err: String(err) }, 'last answers file is not ours; starting without it');
    return [];
  }
  if (parsed.dataVersion !== dataVersion) return [];
  return parsed.answers.map((a) => ({
    key: a.key,
    at: a.at,
    answer: { status: a.status, headers: a.headers, body: new Uint8Array(Buffer.from(a.body, 'base64')) },
  }));
}

/**
 * A writer of the file: `save` may be called on every change; one write runs at a time and the
 * last set of answers given is written after it (written to a temp file, then renamed, so a
 * reader or a crash never sees half a file). Failures are logged, never thrown: the answers are
 * a convenience for the next start.
 */
export function answerFileWriter(path: string, dataVersion: () => Promise<string>, log: Logger) {
  let pending: KeptAnswer[] | null = null;
  let running: Promise<void> | null = null;
  // Its own temp name: two servers of one database (an overlapping deploy) never write one file.
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const write = async (answers: KeptAnswer[]) => {
    const file: z.infer<typeof fileSchema> = {
      format: FORMAT,
      dataVersion: await dataVersion(),
      answers: answers
        .filter((a) => a.answer.status === 200)
        .map((a) => ({
          key: a.key,
          at: a.at,
          status: 200 as const,
          headers: a.answer.headers,
          body: Buffer.from(a.answer.body ?? new Uint8Array()).toString('base64'),
        })),
    };
    await writeFile(tmp, JSON.stringify(file));
    await rename(tmp, path);
  };
  const drain = async () => {
    while (pending) {
      const next = pending;
      pending = null;
      try {
        await write(next);
      } catch (err) {
        log.warn({ path, err: String(err) }, 'last answers not written');
      }
    }
    running = null;
  };
  return {
    save(answers: KeptAnswer[]): void {
      pending = answers;
      running ??= drain();
    },
    /** Resolves when every answer given so far is written (tests, shutdown). */
    flushed: (): Promise<void> => running ?? Promise.resolve(),
  };
}
