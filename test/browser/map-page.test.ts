// The map page in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run)
// driven by playwright-core, against a real server on loopback whose data arrived through the OCPI
// push receiver. Checks are made on the pixels of screenshots: cluster circles at a low zoom, site
// circles at a high one, a pushed status change recolouring a site; plus a popup on click, no
// request off loopback and no console error. And the map of a server started as `npm start` starts
// it, on the built-in demo source: its sites in status colours, not all grey (stale). Screenshots
// are written to screenshots/map/.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SITE_MIN_ZOOM } from '../../src/api/tiles/build-tile.js';
import { CLUSTER_COLOUR, STATUS_COLOURS } from '../../src/api/tiles/tilejson.js';
import { parseEnv } from '../../src/env.js';
import { mapAssetReader } from '../../src/node/http-hooks.js';
import { createLogger, startServer } from '../../src/node/server.js';
import { seededRandom } from '../helpers/synthetic-atlas.js';
import { type Atlas, ocpiLocation, startAtlas } from '../ocpi/receiver/push-harness.js';

const SCREENSHOTS = join(process.cwd(), 'screenshots', 'map');
const CHROMIUM = '/usr/bin/chromium';

let atlas: Atlas;
let browser: BrowserContext;
let profile: string;
const problems: string[] = [];

// One site we follow: alone in its neighbourhood, one EVSE, AVAILABLE at the start.
const WATCHED = { id: 'WATCH', name: 'Watched station', lat: 52.3702, lon: 4.8952 };

beforeAll(async () => {
  atlas = await startAtlas({
    now: '2025-03-01T12:00:00Z',
    deps: { staleAfterS: 3600, http: { rateLimit: false, mapAsset: mapAssetReader() } },
  });
  // 240 sites spread over the Netherlands, pushed as a CPO would, plus the watched one.
  for (const p of seededRandomPoints(240, 7, { minLon: 4.0, minLat: 51.5, maxLon: 6.5, maxLat: 53.0 })) {
    await push(p.id, p.lat, p.lon, p.status, `Station ${p.id}`);
  }
  await push(WATCHED.id, WATCHED.lat, WATCHED.lon, 'AVAILABLE', WATCHED.name);
  profile = mkdtempSync(join(tmpdir(), 'atlas-chromium-'));
  mkdirSync(SCREENSHOTS, { recursive: true });
  // A fresh profile per run (launchPersistentContext is how playwright takes --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // WebGL through SwiftShader, as --disable-gpu leaves no other GL.
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await atlas?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** n locations at seeded random points of the box, with a mix of statuses. */
function seededRandomPoints(
  n: number,
  seed: number,
  box: { minLon: number; minLat: number; maxLon: number; maxLat: number },
) {
  const rnd = seededRandom(seed);
  const statuses = ['AVAILABLE', 'AVAILABLE', 'CHARGING', 'OUTOFORDER'];
  return Array.from({ length: n }, (_, i) => ({
    id: `GEN${i}`,
    lat: box.minLat + rnd() * (box.maxLat - box.minLat),
    lon: box.minLon + rnd() * (box.maxLon - box.minLon),
    status: statuses[Math.floor(rnd() * statuses.length)]!,
  }));
}

function push(id: string, lat: number, lon: number, status: string, name: string) {
  return atlas.push('PUT', '2.2.1', `/NL/TNM/${id}`, {
    ...ocpiLocation('2.2.1', {
      id,
      lat,
      lon,
      name,
      lastUpdated: '2025-03-01T11:55:00Z',
      evses: [{ uid: `${id}-1`, status, lastUpdated: '2025-03-01T11:55:00Z' }],
    }),
  });
}

/** A page that records console errors, page errors and every request not to our loopback server. */
async function openPage(
  hash: string,
  viewport = { width: 1000, height: 700 },
  server = atlas.url,
): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewportSize(viewport);
  const origin = new URL(server).origin;
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(`${origin}/`) && !/^(data|blob):/.test(url)) problems.push(`left loopback: ${url}`);
  });
  await page.goto(`${server}/map#${hash}`);
  await waitForIdle(page);
  return page;
}

/** Until the map has its style and every visible tile, and is not moving. */
async function waitForIdle(page: Page) {
  await page.waitForFunction(
    () => {
      const map = (
        window as unknown as {
          atlasMap?: { loaded(): boolean; areTilesLoaded(): boolean; isMoving(): boolean };
        }
      ).atlasMap;
      return map?.loaded() && map.areTilesLoaded() && !map.isMoving();
    },
    undefined,
    { timeout: 30_000, polling: 100 },
  );
  // One more frame, so what was loaded is drawn.
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

type Rgb = [number, number, number];
const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as Rgb;

/**
 * Pixels of a screenshot of the map area close to each colour (and the colour at given points),
 * decoded by the browser itself from the PNG bytes.
 */
async function pixels(
  page: Page,
  name: string,
  colours: Record<string, string>,
  points: [number, number][] = [],
) {
  // The map element only: the legend's dots in the panel have the same colours.
  const png = await page.locator('#map').screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  return page.evaluate(
    async ({ b64, targets, at }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(0, 0, img.width, img.height).data;
      const counts: Record<string, number> = {};
      for (const k of Object.keys(targets)) counts[k] = 0;
      for (let i = 0; i < data.length; i += 4) {
        for (const [k, [r, g, b]] of Object.entries(targets)) {
          if (Math.abs(data[i]! - r) + Math.abs(data[i + 1]! - g) + Math.abs(data[i + 2]! - b) < 24)
            counts[k]!++;
        }
      }
      const colourAt = at.map(([x, y]) => {
        const i = (Math.round(y) * img.width + Math.round(x)) * 4;
        return [data[i]!, data[i + 1]!, data[i + 2]!];
      });
      return { counts, colourAt };
    },
    {
      b64: png.toString('base64'),
      targets: Object.fromEntries(Object.entries(colours).map(([k, v]) => [k, rgb(v)])),
      at: points,
    },
  );
}

const close = (a: number[], hex: string) => {
  const b = rgb(hex);
  return Math.abs(a[0]! - b[0]) + Math.abs(a[1]! - b[1]) + Math.abs(a[2]! - b[2]) < 24;
};

/** Where the watched site is drawn, in pixels of the map element. */
async function watchedPoint(page: Page): Promise<[number, number]> {
  return page.evaluate(({ lon, lat }) => {
    const map = (
      window as unknown as {
        atlasMap: { project(l: [number, number]): { x: number; y: number } };
      }
    ).atlasMap;
    const p = map.project([lon, lat]);
    return [p.x, p.y] as [number, number];
  }, WATCHED);
}

describe('the map page in Chromium', () => {
  it('draws cluster circles at a low zoom and no site circles', async () => {
    const page = await openPage('6/52.2/5.2');
    const { counts } = await pixels(page, 'clusters-z6', { cluster: CLUSTER_COLOUR, ...STATUS_COLOURS });
    expect(counts.cluster).toBeGreaterThan(300);
    expect(counts.available! + counts.occupied!).toBeLessThan(20);
    // Their counts are labelled.
    const labels = await page.locator('.cluster-label').allTextContents();
    expect(labels.length).toBeGreaterThan(0);
    expect(labels.map(Number).reduce((a, b) => a + b, 0)).toBe(241);
    await page.close();
  });

  it('draws sites coloured by status at a high zoom, recolours one after a status push, and opens its popup', async () => {
    const page = await openPage(`15/${WATCHED.lat}/${WATCHED.lon}`);
    const at = await watchedPoint(page);
    const before = await pixels(page, 'site-z15-available', { cluster: CLUSTER_COLOUR }, [at]);
    expect(before.counts.cluster).toBeLessThan(20);
    expect(close(before.colourAt[0]!, STATUS_COLOURS.available)).toBe(true);

    const res = await atlas.push('PATCH', '2.2.1', `/NL/TNM/${WATCHED.id}/${WATCHED.id}-1`, {
      status: 'CHARGING',
      last_updated: '2025-03-01T11:59:00Z',
    });
    expect(res.status).toBe(200);
    // The page hears the change on its SSE stream and reloads its tiles; no page reload.
    await page.waitForFunction(
      () => (document.getElementById('live')?.textContent ?? '').includes('CHARGING'),
      undefined,
      { timeout: 20_000 },
    );
    let after = before;
    for (let i = 0; i < 50 && !close(after.colourAt[0]!, STATUS_COLOURS.occupied); i++) {
      await page.waitForTimeout(200);
      await waitForIdle(page);
      after = await pixels(page, 'site-z15-occupied', {}, [at]);
    }
    expect(close(after.colourAt[0]!, STATUS_COLOURS.occupied)).toBe(true);

    await page.locator('#map').click({ position: { x: at[0], y: at[1] } });
    const popup = page.locator('.maplibregl-popup');
    await popup.waitFor({ timeout: 10_000 });
    expect(await popup.textContent()).toContain(WATCHED.name);
    expect(await popup.textContent()).toContain('CHARGING');
    await page.screenshot({ path: join(SCREENSHOTS, 'popup.png') });
    await page.close();
  });

  it('works on a phone-sized viewport and with the keyboard', async () => {
    const page = await openPage('7/52.2/5.2', { width: 390, height: 760 });
    const toggle = page.locator('#panel-toggle');
    expect(await toggle.isVisible()).toBe(true);
    expect(await page.locator('#panel').isVisible()).toBe(false);
    await toggle.focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('#panel').isVisible()).toBe(true);
    await page.keyboard.press('Enter');
    // A cluster label is a button: focus it and press Enter to zoom in.
    const zoom = () =>
      page.evaluate(() => (window as unknown as { atlasMap: { getZoom(): number } }).atlasMap.getZoom());
    const start = await zoom();
    await page.locator('.cluster-label').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      (z) => (window as unknown as { atlasMap: { getZoom(): number } }).atlasMap.getZoom() > z,
      start,
      {
        timeout: 10_000,
      },
    );
    await waitForIdle(page);
    await page.screenshot({ path: join(SCREENSHOTS, 'phone.png') });
    await page.close();
  });

  it('shows the demo sites of `npm start` in status colours, not all grey', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atlas-demo-map-'));
    // As `npm start` starts it: no ATLAS_SOURCES, so the built-in demo source on the real clock.
    const demo = await startServer(
      parseEnv({ PORT: '0', HOST: '127.0.0.1', ATLAS_DB: join(dir, 'atlas.db'), LOG_LEVEL: 'silent' }),
      createLogger('silent'),
    );
    let page: Page | undefined;
    try {
      await demo.firstSync;
      // Utrecht, where the demo's sites are, one zoom above the first that draws sites.
      page = await openPage(`${SITE_MIN_ZOOM + 1}/52.0907/5.1214`, undefined, demo.url);
      const { counts } = await pixels(page, 'demo-z12', STATUS_COLOURS);
      expect(counts.available).toBeGreaterThan(500);
      expect(counts.occupied).toBeGreaterThan(200);
      expect(counts.available! + counts.occupied!).toBeGreaterThan(counts.unknown! * 3);
    } finally {
      // Before the server: its live stream would log a refused reconnect as a console error.
      await page?.close();
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('made no request off loopback and logged no console error', () => {
    expect(existsSync(join(SCREENSHOTS, 'clusters-z6.png'))).toBe(true);
    writeFileSync(join(SCREENSHOTS, 'problems.txt'), problems.join('\n'));
    expect(problems).toEqual([]);
  });
});
