// Runs before each test file (storage is isolated per file): the same migrations/ that
// `wrangler d1 migrations apply` applies, on the local D1.
import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
