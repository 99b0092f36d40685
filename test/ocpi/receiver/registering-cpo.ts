// A CPO that registers with the atlas (reversed roles): its versions and details, readable with its
// token B only, every request it receives recorded. Endpoint URLs may be given (to carry credentials).
import { Hono } from 'hono';

export function registeringCpo(tokenB: string, seen: string[], extraEndpoints: Record<string, string> = {}) {
  const app = new Hono();
  app.use(async (c, next) => {
    seen.push(`${c.req.method} ${c.req.path}`);
    const token = (c.req.header('Authorization') ?? '').replace(/^Token /, '');
    if (token !== tokenB && Buffer.from(token, 'base64').toString() !== tokenB) {
      return c.json({ status_code: 2000, timestamp: '2025-03-01T12:00:00Z' }, 401);
    }
    await next();
  });
  const ok = (data: unknown) => ({ data, status_code: 1000, timestamp: '2025-03-01T12:00:00Z' });
  app.get('/ocpi/versions', (c) =>
    c.json(ok([{ version: '2.2.1', url: `${new URL(c.req.url).origin}/ocpi/2.2.1` }])),
  );
  app.get('/ocpi/2.2.1', (c) => {
    const base = new URL(c.req.url).origin;
    const endpoints = [
      { identifier: 'credentials', role: 'SENDER', url: `${base}/ocpi/2.2.1/credentials` },
      { identifier: 'locations', role: 'SENDER', url: `${base}/ocpi/2.2.1/locations` },
      ...Object.entries(extraEndpoints).map(([identifier, url]) => ({ identifier, role: 'SENDER', url })),
    ];
    return c.json(ok({ version: '2.2.1', endpoints }));
  });
  return app;
}

export const credentialsOf = (token: string, url: string, cc = 'NL', pid = 'NEW') => ({
  token,
  url,
  roles: [{ role: 'CPO', country_code: cc, party_id: pid, business_details: { name: `CPO ${pid}` } }],
});
