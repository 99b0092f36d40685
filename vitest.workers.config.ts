// The second test project: test/worker/** inside workerd (@cloudflare/vitest-pool-workers), with
// the Worker of wrangler.toml as `main`, a local D1 migrated from migrations/, and the feed and
// expected answers the Node build produced in globalSetup (test/worker-parity/node-build.ts).
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { copyMapAssets } from './scripts/map-assets.js';

export default defineConfig(async () => {
  // wrangler.toml's [assets] directory, which wrangler's build command fills for a deploy.
  copyMapAssets();
  const migrations = await readD1Migrations('migrations');
  return {
    plugins: [
      cloudflareTest(({ inject }) => {
        const parity = inject('workerParity');
        return {
          wrangler: { configPath: './wrangler.toml' },
          remoteBindings: false,
          miniflare: {
            bindings: {
              TEST_MIGRATIONS: migrations,
              ATLAS_SOURCES_JSON: parity.sourcesJson,
              [parity.tokenBinding]: parity.token,
              // Few steps per invocation, so a sync takes several; no HTTP retries, so a failing
              // page fails its step at once and the next invocation retries it.
              ATLAS_SYNC_STEPS: '4',
              ATLAS_HTTP_RETRIES: '0',
              // The parity feed's status events are months old and the Node build they are compared
              // with rolls nothing up: no rollup here either (test/worker/status-rollup.test.ts
              // sets its own retention).
              ATLAS_STATUS_RETENTION_DAYS: '36500',
              LOG_LEVEL: 'warn',
            },
          },
        };
      }),
    ],
    test: {
      include: ['test/worker/**/*.test.ts'],
      setupFiles: ['test/worker/apply-migrations.ts'],
      globalSetup: ['test/worker-parity/node-build.ts'],
      reporters: ['default', './test/summary-reporter.ts'],
      testTimeout: 120_000,
      hookTimeout: 120_000,
    },
  };
});
