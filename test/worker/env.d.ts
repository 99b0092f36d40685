// Bindings the Workers tests see: wrangler.toml's, plus those vitest.workers.config.ts adds.
declare namespace Cloudflare {
  interface Env {
    DB: D1Database;
    TEST_MIGRATIONS: import('cloudflare:test').D1Migration[];
    ATLAS_SOURCES_JSON: string;
    ATLAS_SYNC_STEPS: string;
    ATLAS_HTTP_RETRIES: string;
    LOG_LEVEL: string;
  }
  interface GlobalProps {
    mainModule: typeof import('../../src/worker.js');
  }
}
