// The single-page API of the OCPI client that the stepwise (Workers) sync stores its progress with.
import { describe, expect, it } from 'vitest';
import { firstPageUrl, nextPageUrl } from '../../src/ocpi/client/pages.js';

const page = (
  items: number,
  more: { totalCount?: number | null; xLimit?: number | null; link?: string | null } = {},
) => ({
  items: Array.from({ length: items }, (_, i) => ({ id: String(i) })),
  totalCount: more.totalCount ?? null,
  xLimit: more.xLimit ?? null,
  link: more.link ?? null,
});

describe('where the next page is, for a sync that stores it between invocations', () => {
  it('starts at offset 0 with the limit and date_from asked for', () => {
    const url = new URL(
      firstPageUrl('https://cpo.example/ocpi/2.2.1/locations', {
        limit: 50,
        dateFrom: '2030-06-03T09:55:30Z',
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      offset: '0',
      limit: '50',
      date_from: '2030-06-03T09:55:30Z',
    });
  });

  it('follows the Link header when there is one', () => {
    const next = 'https://cpo.example/ocpi/2.2.1/locations?cursor=abc';
    expect(
      nextPageUrl('https://cpo.example/l?offset=0', page(50, { link: next, totalCount: 500 }), null, 50),
    ).toEqual({
      next,
      rewound: false,
    });
  });

  it('steps the offset by what arrived when only X-Total-Count is sent, honouring X-Limit', () => {
    const r = nextPageUrl(
      'https://cpo.example/l?offset=0&limit=100',
      page(20, { totalCount: 45, xLimit: 20 }),
      null,
      100,
    );
    expect(r.next && Object.fromEntries(new URL(r.next).searchParams)).toEqual({ offset: '20', limit: '20' });
    expect(
      nextPageUrl('https://cpo.example/l?offset=40', page(5, { totalCount: 45 }), 45, undefined).next,
    ).toBeNull();
    expect(
      nextPageUrl('https://cpo.example/l?offset=40', page(0, { totalCount: 90 }), 90, undefined).next,
    ).toBeNull();
  });

  it('rewinds by the drop when X-Total-Count shrank mid-crawl', () => {
    const r = nextPageUrl(
      'https://cpo.example/l?offset=100&limit=50',
      page(50, { totalCount: 497 }),
      500,
      50,
    );
    expect(r.rewound).toBe(true);
    expect(new URL(r.next!).searchParams.get('offset')).toBe('97');
  });
});
