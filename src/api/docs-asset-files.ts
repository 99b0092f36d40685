// The documentation page's files (Swagger UI) and the dependency that ships them. The Node host
// reads them from node_modules; the Worker serves them from its static assets (under docs/),
// copied there by scripts/map-assets.ts with this same list, like the map page's files.
export const DOCS_ASSET_FILES: Record<string, { pkg: string; path: string }> = {
  'swagger-ui.css': { pkg: 'swagger-ui-dist', path: 'swagger-ui.css' },
  'swagger-ui-bundle.js': { pkg: 'swagger-ui-dist', path: 'swagger-ui-bundle.js' },
  'favicon-32x32.png': { pkg: 'swagger-ui-dist', path: 'favicon-32x32.png' },
};

/** Their folder inside the Worker's static assets. */
export const DOCS_ASSET_DIR = 'docs';
