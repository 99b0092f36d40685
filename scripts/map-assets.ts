// Copies the map page's files (src/api/map/asset-files.ts) and the documentation page's
// (src/api/docs-asset-files.ts, under docs/) out of node_modules into the Worker's static assets
// directory, so /map and /docs work on Workers without a CDN. wrangler runs it as its build
// command (wrangler.toml [build]) and the Workers test project before it starts.
// Usage: tsx scripts/map-assets.ts [DIR] (default dist/map-assets).
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DOCS_ASSET_DIR, DOCS_ASSET_FILES } from '../src/api/docs-asset-files.js';
import { MAP_ASSET_FILES } from '../src/api/map/asset-files.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const MAP_ASSETS_DIR = join(ROOT, 'dist/map-assets');

export function copyMapAssets(dir: string = MAP_ASSETS_DIR): void {
  const require = createRequire(join(ROOT, 'package.json'));
  const copy = (files: Record<string, { pkg: string; path: string }>, to: string) => {
    mkdirSync(to, { recursive: true });
    for (const [name, file] of Object.entries(files)) {
      copyFileSync(join(dirname(require.resolve(`${file.pkg}/package.json`)), file.path), join(to, name));
    }
  };
  copy(MAP_ASSET_FILES, dir);
  copy(DOCS_ASSET_FILES, join(dir, DOCS_ASSET_DIR));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  copyMapAssets(process.argv[2] ? resolve(process.argv[2]) : undefined);
}
