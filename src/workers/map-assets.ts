// The map and documentation pages' files on Workers: the static assets wrangler uploads from
// dist/map-assets (scripts/map-assets.ts copies them from node_modules), read through the ASSETS
// binding. Every request still goes to the Worker first (wrangler.toml run_worker_first), so the
// app's routes, headers and 404s are the same as on Node.
import { DOCS_ASSET_DIR, DOCS_ASSET_FILES } from '../api/docs-asset-files.js';
import type { HttpOptions } from '../api/http/options.js';
import { MAP_ASSET_FILES } from '../api/map/asset-files.js';

/** The part of the static assets binding used here. */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

type AssetReader = (name: string) => Promise<Uint8Array | string | null>;

/** A reader of the listed files, kept in the assets under `dir` (or at the top). */
function assetReader(assets: AssetsBinding, files: Record<string, unknown>, dir = ''): AssetReader {
  return async (name) => {
    if (!Object.hasOwn(files, name)) return null;
    // The host part is ignored by the binding; only the path names the file.
    const res = await assets.fetch(new Request(`https://assets.invalid/${dir ? `${dir}/` : ''}${name}`));
    if (!res.ok) return null;
    return new Uint8Array(await res.arrayBuffer());
  };
}

export function workerMapAssets(assets: AssetsBinding | undefined): HttpOptions['mapAsset'] {
  return assets ? assetReader(assets, MAP_ASSET_FILES) : undefined;
}

export function workerDocsAssets(assets: AssetsBinding | undefined): HttpOptions['docsAsset'] {
  return assets ? assetReader(assets, DOCS_ASSET_FILES, DOCS_ASSET_DIR) : undefined;
}
