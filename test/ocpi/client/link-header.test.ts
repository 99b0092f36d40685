import { describe, expect, it } from 'vitest';
import { nextLinkTarget, parseLinkHeader } from '../../../src/ocpi/client/index.js';

describe('Link header (RFC 8288)', () => {
  it('finds next among several links, quoted or bare, with extra parameters', () => {
    const header =
      '<https://cpo.example/ocpi/locations?offset=0&limit=50>; rel="prev"; title="back, one page", ' +
      '<https://cpo.example/ocpi/locations?offset=100&limit=50>; title="x"; REL=next';
    expect(nextLinkTarget(header)).toBe('https://cpo.example/ocpi/locations?offset=100&limit=50');
    expect(parseLinkHeader(header)).toHaveLength(2);
  });

  it('reads a rel listing several relation types', () => {
    expect(nextLinkTarget('</p/3>; rel="last next"')).toBe('/p/3');
  });

  it('keeps commas and semicolons inside the URL', () => {
    expect(nextLinkTarget('<https://x.example/l?a=1,2;b=3>; rel="next"')).toBe(
      'https://x.example/l?a=1,2;b=3',
    );
  });

  it('ignores a second rel parameter and garbage between links', () => {
    const links = parseLinkHeader('garbage, </a>; rel=prev; rel=next, </b>; rel="next"');
    expect(links.map((l) => [l.target, l.rels])).toEqual([
      ['/a', ['prev']],
      ['/b', ['next']],
    ]);
    expect(nextLinkTarget('</a>; rel=prev; rel=next, </b>; rel="next"')).toBe('/b');
  });

  it('returns null when there is no next link (the last page)', () => {
    expect(nextLinkTarget('</a>; rel="prev"')).toBeNull();
    expect(nextLinkTarget(null)).toBeNull();
    expect(nextLinkTarget('')).toBeNull();
  });
});
