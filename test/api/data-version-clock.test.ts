// A data version that depends on the clock (a sync run writing, a stamp ahead of the clock) is
// kept for the rest of the second it was made in (src/api/http/data-version.ts): its
// Last-Modified must still follow the clock second by second, and reach the stamp once the clock
// passes it.
import { describe, expect, it } from 'vitest';
import { dataVersion } from '../../src/api/http/data-version.js';
import type { DataVersionInputs } from '../../src/db/queries/data-version.js';
import type { Db } from '../../src/db/types.js';

const INPUTS: DataVersionInputs = {
  meta: null,
  counts: null,
  runs: '1:5:0:0',
  run_at: '2026-03-01T11:00:00.000Z',
  running: 0,
  activity: '1:ok:1:0',
  activity_at: '2026-03-01T11:00:00.000Z',
  event: 7,
  event_at: '2026-03-01T12:00:05.500Z',
  site_event: null,
  source_at: '2026-03-01T10:00:00.000Z',
  licenses: 'a=CC0-1.0|A||1|',
};

/** A connection whose change stamp never moves, answering the version query with `inputs`. */
function connection(inputs: DataVersionInputs) {
  const db = {
    kind: 'sqlite',
    reads: 0,
    changeStamp: () => '1/0',
    async get() {
      db.reads++;
      return inputs;
    },
  };
  return db;
}

const at = (t: string) => new Date(`2026-03-01T${t}Z`);
const lastModified = async (db: ReturnType<typeof connection>, t: string) =>
  (await dataVersion(db as unknown as Db, at(t), 'build')).lastModified.toISOString();

describe('a clock-dependent data version', () => {
  it('follows the clock in whole seconds up to a stamp ahead of it, then holds', async () => {
    const db = connection(INPUTS);
    expect(await lastModified(db, '12:00:02.100')).toBe('2026-03-01T12:00:02.000Z');
    expect(await lastModified(db, '12:00:02.900')).toBe('2026-03-01T12:00:02.000Z');
    expect(await lastModified(db, '12:00:03.050')).toBe('2026-03-01T12:00:03.000Z');
    // The clock passes the status event's stamp within the second it lies in.
    expect(await lastModified(db, '12:00:05.200')).toBe('2026-03-01T12:00:05.000Z');
    expect(await lastModified(db, '12:00:05.800')).toBe('2026-03-01T12:00:05.000Z');
    expect(await lastModified(db, '12:00:09.000')).toBe('2026-03-01T12:00:05.000Z');
    expect(await lastModified(db, '13:30:00.000')).toBe('2026-03-01T12:00:05.000Z');
    // The inputs were read once: the change stamp never moved.
    expect(db.reads).toBe(1);
  });

  it('says "modified now" while a run is writing, second by second', async () => {
    const db = connection({ ...INPUTS, running: 1, event_at: '2026-03-01T11:59:00.000Z' });
    const etag = (await dataVersion(db as unknown as Db, at('12:00:00.000'), 'build')).etag;
    expect(await lastModified(db, '12:00:00.400')).toBe('2026-03-01T12:00:00.000Z');
    expect(await lastModified(db, '12:00:00.999')).toBe('2026-03-01T12:00:00.000Z');
    expect(await lastModified(db, '12:00:01.000')).toBe('2026-03-01T12:00:01.000Z');
    expect(await lastModified(db, '12:07:30.250')).toBe('2026-03-01T12:07:30.000Z');
    // The tag names the data, not the clock.
    expect((await dataVersion(db as unknown as Db, at('12:09:00.000'), 'build')).etag).toBe(etag);
  });
});
