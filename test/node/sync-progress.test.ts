// `atlas sync` on a terminal: one progress line per source and module, a bar with percentage when
// the CPO sends X-Total-Count, and the last frame keeps the locations line's totals after the
// tariffs (it used to be one line per source, overwritten by the module that came last).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/env.js';
import { createFakeCpo } from '../../src/fake-cpo/app.js';
import { demoLocations } from '../../src/fake-cpo/demo-data.js';
import { createLogger, openAtlas } from '../../src/node/server.js';
import { syncCommand } from '../../src/node/sync-command.js';
import { type ServedApp, serveApp } from '../helpers/serve.js';

const TOKEN = 'progress-token-7d1e';
const dir = mkdtempSync(join(tmpdir(), 'atlas-progress-'));
let cpo: ServedApp;
const data = demoLocations();

beforeAll(async () => {
  cpo = await serveApp(createFakeCpo({ locations: data.locations, tariffs: data.tariffs, token: TOKEN }).app);
  writeFileSync(
    join(dir, 'sources.json'),
    JSON.stringify([{ id: 'demo', name: 'Demo', versions_url: `${cpo.url}/ocpi/versions`, token: TOKEN }]),
  );
});
afterAll(async () => {
  await cpo?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A terminal as cli-progress sees one: isTTY and a width; what it writes is kept. */
function fakeTerminal() {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  }) as Writable & { isTTY: boolean; columns: number };
  stream.isTTY = true;
  stream.columns = 160;
  return { stream, text: () => text };
}

/**
 * The screen the output leaves, as a terminal would show it: enough of one to follow what
 * cli-progress writes (cursor to column 1, cursor up, clear to end of line, newline).
 */
function screenOf(raw: string): string[] {
  const rows: string[] = [''];
  let row = 0;
  let col = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences
  for (const token of raw.match(/\u001b\[[0-9;?]*[A-Za-z]|\r|\n|[^\u001b\r\n]+/g) ?? []) {
    if (token === '\n') {
      row++;
      col = 0;
      rows[row] ??= '';
      continue;
    }
    // An escape sequence without its ESC: [1G, [2A, [0K.
    const seq = token.startsWith('\u001b') ? token.slice(1) : null;
    if (token === '\r' || (seq && /^\[\d*G$/.test(seq))) col = 0;
    else if (seq && /^\[\d*A$/.test(seq)) row = Math.max(0, row - Number(seq.slice(1, -1) || 1));
    else if (seq && /^\[0?K$/.test(seq)) rows[row] = rows[row]!.slice(0, col);
    else if (!seq) {
      const line = rows[row]!.padEnd(col);
      rows[row] = line.slice(0, col) + token + line.slice(col + token.length);
      col += token.length;
    }
  }
  return rows;
}

describe('atlas sync on a terminal', () => {
  it('draws a bar per module with the CPO total, and the last frame keeps both modules', async () => {
    const atlas = await openAtlas(
      parseEnv({ ATLAS_DB: join(dir, 'atlas.db'), ATLAS_SOURCES: join(dir, 'sources.json') }),
      createLogger('silent'),
    );
    const term = fakeTerminal();
    try {
      const code = await syncCommand(atlas, { sourceIds: [], mode: 'full', tty: true, out: term.stream });
      expect(code).toBe(0);
    } finally {
      await atlas.close();
    }
    const screen = screenOf(term.text());
    const n = data.locations.length;
    const t = data.tariffs.length;
    expect(screen).toEqual([
      expect.stringMatching(
        new RegExp(`^demo locations \\|[^|]+\\| 100% \\| ${n}/${n} records \\| pages \\d+`),
      ),
      expect.stringMatching(
        new RegExp(`^demo tariffs \\|[^|]+\\| 100% \\| ${t}/${t} records \\| pages \\d+`),
      ),
      expect.stringMatching(/^demo: ok \(full\) /),
      '',
    ]);
  });
});
