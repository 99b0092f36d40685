// Query parameters starting with `_` are a documented pass-through: common HTTP clients add one
// (`?_=1700000000`) to bust caches, and every public route otherwise refuses unknown parameters.
// They are removed from the request before any route validates it or any cache keys on it. The
// other pairs are kept byte for byte (URLSearchParams would re-encode `bbox=0,0,1,1` as `%2C`, and
// the self links and cache keys would then differ from the same request without the `_` pair).
import type { MiddlewareHandler } from 'hono';

const isPassThrough = (pair: string) => pair.startsWith('_');

export function dropPassThroughParams(): MiddlewareHandler {
  return async (c, next) => {
    // Most requests have no `_` pair: they skip parsing their URL.
    if (!c.req.url.includes('_')) return next();
    const url = new URL(c.req.url);
    const pairs = url.search.slice(1).split('&');
    if (pairs.some(isPassThrough)) {
      const kept = pairs.filter((p) => p !== '' && !isPassThrough(p));
      url.search = kept.length > 0 ? `?${kept.join('&')}` : '';
      c.req.raw = new Request(url, c.req.raw);
    }
    await next();
  };
}
