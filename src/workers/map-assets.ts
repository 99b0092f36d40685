// The map page's files on Workers: the static assets wrangler uploads from dist/map-assets
// (scripts/map-assets.ts copies them from node_modules), read through the ASSETS binding. Every
// request still goes to the Worker first (wrangler.toml run_worker_first), so the app's routes,
// headers and 404s are the same as on Node.
import type { HttpOptions } from '../api/http/options.js';
import { MAP_ASSET_FILES } from '../api/map/asset-files.js';

/** The part of the static assets binding used here. */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

export function workerMapAssets(assets: AssetsBinding | undefined): HttpOptions['mapAsset'] {
  if (!assets) return undefined;
  return async (name) => {
    if (!Object.hasOwn(MAP_ASSET_FILES, name)) return null;
    // The host part is ignored by the binding; only the path names the file.
    const res = await assets.fetch(new Request(`https://assets.invalid/${name}`));
    if (!res.ok) return null;
    return new Uint8Array(await res.arrayBuffer());
  };
}
