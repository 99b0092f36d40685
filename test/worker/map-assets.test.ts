// The map page on Workers: its files (maplibre-gl, the country outlines) come from the Worker's
// static assets through the ASSETS binding, with the same routes, types and 404s as on Node.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const get = (path: string) => exports.default.fetch(`http://atlas.test${path}`);

describe('the map page on Workers', () => {
  it('serves the page, and every file it links answers 200 with its type', async () => {
    const page = await get('/map');
    expect(page.status).toBe(200);
    const html = await page.text();
    const linked = [...html.matchAll(/(?:src|href)="(\/map\/[^"]+)"/g)].map((m) => m[1]!);
    expect(linked.length).toBeGreaterThan(0);
    for (const path of linked) expect((await get(path)).status, path).toBe(200);
  });

  it("serves maplibre-gl's module, worker and style sheet from the assets", async () => {
    for (const [file, type, marker] of [
      ['maplibre-gl.mjs', 'text/javascript', 'maplibre'],
      ['maplibre-gl-worker.mjs', 'text/javascript', 'maplibre'],
      ['maplibre-gl.css', 'text/css', '.maplibregl-map'],
    ] as const) {
      const res = await get(`/map/assets/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('content-type')).toContain(type);
      const body = await res.text();
      expect(body.length).toBeGreaterThan(50_000);
      expect(body).toContain(marker);
    }
  });

  it('serves the country outlines converted from the bundled TopoJSON', async () => {
    const res = await get('/map/countries.geojson');
    expect(res.status).toBe(200);
    const fc = (await res.json()) as { type: string; features: { properties: { name: string } }[] };
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features.length).toBeGreaterThan(200);
    expect(fc.features.map((f) => f.properties.name)).toContain('Netherlands');
  });

  it('answers 404 with the JSON error for a file it does not ship', async () => {
    const res = await get('/map/assets/countries-50m.json.map');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});

describe('the landing page and the documentation on Workers', () => {
  const linksOf = async (path: string) => {
    const res = await get(path);
    expect(res.status, path).toBe(200);
    const html = await res.text();
    return [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&'));
  };

  it('answer 200 for every link of the landing page and of the map page', async () => {
    const links = new Set([...(await linksOf('/')), ...(await linksOf('/map'))]);
    expect(links).toContain('/docs');
    for (const path of links) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      await res.arrayBuffer();
    }
  });

  it('serve the docs page with every file it links, Swagger UI from the assets', async () => {
    const links = await linksOf('/docs');
    expect(links).toContain('/docs/assets/swagger-ui-bundle.js');
    for (const path of links) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      if (path.endsWith('.js')) expect(res.headers.get('content-type')).toContain('javascript');
      if (path === '/docs/assets/swagger-ui-bundle.js') expect(await res.text()).toContain('SwaggerUIBundle');
      else await res.arrayBuffer();
    }
  });
});
