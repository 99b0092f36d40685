// The statistics' last answers saved for the next server: written whole or not at all, read back
// byte for byte when the data has not moved since, ignored (never fatal) when it has, when the
// file is not ours or cannot be written. The server's own use of it: test/e2e/stats-restart.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/log.js';
import { answerFilePath, answerFileWriter, restoreAnswers } from '../../src/node/answer-file.js';
import type { KeptAnswer } from '../../src/node/last-answers.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-answer-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function warnings() {
  const seen: string[] = [];
  const log: Logger = {
    info() {},
    debug() {},
    error() {},
    warn: (_obj, msg) => seen.push(msg ?? ''),
    child: () => log,
  };
  return { log, seen };
}

const kept = (key: string, body: Uint8Array, at = 1_700_000_000_000): KeptAnswer => ({
  key,
  at,
  answer: { status: 200, headers: { 'content-type': 'application/json' }, body: new Uint8Array(body) },
});
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('the last answers file', () => {
  it('gives back the bytes, keys and times saved under the same data version', async () => {
    const path = answerFilePath(join(dir, 'same.db'));
    const { log, seen } = warnings();
    const w = answerFileWriter(path, async () => 'v1', log);
    // Not UTF-8 text on purpose: the bytes are kept as rendered, whatever they are.
    const binary = new Uint8Array([0xff, 0x00, 0xc3, 0x28]);
    w.save([kept('http://atlas.test/v1/stats|', utf8('{"first":1}'))]);
    w.save([kept('http://atlas.test/v1/stats|', utf8('{"sites":3}')), kept('b', binary, 5)]);
    await w.flushed();
    const back = await restoreAnswers(path, 'v1', log);
    expect(back.map((a) => [a.key, a.at, a.answer.status, a.answer.headers])).toEqual([
      ['http://atlas.test/v1/stats|', 1_700_000_000_000, 200, { 'content-type': 'application/json' }],
      ['b', 5, 200, { 'content-type': 'application/json' }],
    ]);
    expect(new TextDecoder().decode(back[0]!.answer.body!)).toBe('{"sites":3}');
    expect([...back[1]!.answer.body!]).toEqual([...binary]);
    expect(seen).toEqual([]);
  });

  it('gives nothing back once the data has moved, nor from a missing or foreign file', async () => {
    const path = answerFilePath(join(dir, 'moved.db'));
    const { log, seen } = warnings();
    expect(await restoreAnswers(path, 'v1', log)).toEqual([]);
    expect(seen).toEqual([]);
    const w = answerFileWriter(path, async () => 'v1', log);
    w.save([kept('k', utf8('{}'))]);
    await w.flushed();
    expect(await restoreAnswers(path, 'v2', log)).toEqual([]);
    expect(await restoreAnswers(path, 'v1', log)).toHaveLength(1);
    writeFileSync(path, '{"format":1,"dataVersion":"v1","answers":[{"key":"k"}]}');
    expect(await restoreAnswers(path, 'v1', log)).toEqual([]);
    writeFileSync(path, 'not json');
    expect(await restoreAnswers(path, 'v1', log)).toEqual([]);
    expect(seen).toEqual([
      'last answers file is not ours; starting without it',
      'last answers file is not ours; starting without it',
    ]);
  });

  it('saves an emptied set (renewed statistics), and logs a write that fails without throwing', async () => {
    const path = answerFilePath(join(dir, 'emptied.db'));
    const { log, seen } = warnings();
    const w = answerFileWriter(path, async () => 'v1', log);
    w.save([kept('k', utf8('{}'))]);
    await w.flushed();
    w.save([]);
    await w.flushed();
    expect(JSON.parse(readFileSync(path, 'utf8')).answers).toEqual([]);
    const nowhere = answerFileWriter(join(dir, 'no-such-dir', 'x.last-answers.json'), async () => 'v1', log);
    nowhere.save([kept('k', utf8('{}'))]);
    await nowhere.flushed();
    expect(seen).toEqual(['last answers not written']);
  });
});
