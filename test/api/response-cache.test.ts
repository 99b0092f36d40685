// The response cache keeps an answer from its second rendering on: a map's one-off boxes do not
// fill it, and an answer asked again is kept as before.
import { describe, expect, it } from 'vitest';
import {
  type CachedResponse,
  createResponseCache,
  SEEN_ONCE_KEYS,
} from '../../src/api/http/response-cache.js';

const entry = (version: string, size = 10): CachedResponse => ({
  version,
  etag: `W/"${version}"`,
  body: new Uint8Array(size),
  headers: [],
});

describe('the response cache', () => {
  it('keeps an answer rendered a second time, not the first', () => {
    const cache = createResponseCache({ maxBytes: 1000, maxEntryBytes: 100 });
    cache.set('a', entry('v1'));
    expect(cache.get('a', 'v1')).toBeUndefined();
    cache.set('a', entry('v1'));
    expect(cache.get('a', 'v1')?.etag).toBe('W/"v1"');
  });

  it('replaces a kept answer at once, and drops one of another version when asked', () => {
    const cache = createResponseCache({ maxBytes: 1000, maxEntryBytes: 100 });
    cache.set('a', entry('v1'));
    cache.set('a', entry('v1'));
    cache.set('a', entry('v2'));
    expect(cache.get('a', 'v2')?.etag).toBe('W/"v2"');
    expect(cache.get('a', 'v3')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('forgets the oldest keys seen once, so a one-off key is not kept by a later second look', () => {
    const cache = createResponseCache({ maxBytes: 1_000_000, maxEntryBytes: 100 });
    cache.set('first', entry('v1'));
    for (let i = 0; i < SEEN_ONCE_KEYS; i++) cache.set(`k${i}`, entry('v1'));
    cache.set('first', entry('v1'));
    expect(cache.get('first', 'v1')).toBeUndefined();
    cache.set(`k${SEEN_ONCE_KEYS - 1}`, entry('v1'));
    expect(cache.get(`k${SEEN_ONCE_KEYS - 1}`, 'v1')).toBeDefined();
    expect(cache.size).toBe(1);
  });

  it('evicts the least recently used answers past its byte budget, and never keeps an oversized one', () => {
    const cache = createResponseCache({ maxBytes: 25, maxEntryBytes: 12 });
    for (const k of ['a', 'b', 'c']) for (let i = 0; i < 2; i++) cache.set(k, entry('v1'));
    expect(cache.get('a', 'v1')).toBeUndefined();
    expect(cache.get('b', 'v1')).toBeDefined();
    expect(cache.get('c', 'v1')).toBeDefined();
    for (let i = 0; i < 2; i++) cache.set('big', entry('v1', 13));
    expect(cache.get('big', 'v1')).toBeUndefined();
  });
});
