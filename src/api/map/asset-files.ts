// The map page's files and the dependency that ships each (never a CDN). The Node host reads them
// from node_modules; the Worker serves them from its static assets, which scripts/map-assets.ts
// copies out of node_modules with this same list before wrangler bundles or a Workers test runs.
export const MAP_ASSET_FILES: Record<string, { pkg: string; path: string }> = {
  'maplibre-gl.mjs': { pkg: 'maplibre-gl', path: 'dist/maplibre-gl.mjs' },
  'maplibre-gl-worker.mjs': { pkg: 'maplibre-gl', path: 'dist/maplibre-gl-worker.mjs' },
  'maplibre-gl.css': { pkg: 'maplibre-gl', path: 'dist/maplibre-gl.css' },
  'countries-50m.json': { pkg: 'world-atlas', path: 'countries-50m.json' },
};
