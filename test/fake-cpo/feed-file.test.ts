// The fake CPO's --data reader tells each OCPI set in ../shared/data by its shape alone (no file
// name, no flag), and reads it as the tests' loader does, which is told the shape by name.
import { describe, expect, it } from 'vitest';
import { feedOfJson } from '../../src/fake-cpo/feed-file.js';
import { listOcpiFeeds, loadFeed, readSharedJson } from '../helpers/feeds.js';

describe('the fake CPO reads every shared OCPI set by its shape', () => {
  it.each(listOcpiFeeds().map((f) => [f.name, f] as const))('%s', (name, spec) => {
    const feed = feedOfJson(readSharedJson(spec.file));
    const loaded = loadFeed(name);
    expect(feed.shape).toBe(spec.format);
    expect(feed.locations.length).toBeGreaterThan(0);
    expect(feed.locations).toEqual(loaded.locations);
    expect(feed.tariffs).toEqual(loaded.tariffs);
  });

  it('refuses a single object that is no list, naming its keys', () => {
    expect(() => feedOfJson({ id: '1', coordinates: {} })).toThrow(
      /found an object with keys id, coordinates/,
    );
    expect(() => feedOfJson({ data: { id: '1' }, status_code: 1000 })).toThrow(
      /found an object with keys id/,
    );
  });

  it('refuses an OCPI error envelope with its message', () => {
    expect(() => feedOfJson({ data: null, status_code: 2001, status_message: 'bad token' })).toThrow(
      'bad token',
    );
  });
});
