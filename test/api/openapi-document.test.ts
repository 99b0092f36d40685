// /openapi.json as third-party tools read it: valid for swagger-parser (OpenAPI 3.1 schema) and
// for Redocly's linter with its recommended rules, with an operationId on every operation, typed
// feature properties, the licence, the open security and the HTTP layer's 304 documented.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { openSqlite } from '../../src/db/sqlite.js';
import type { Db } from '../../src/db/types.js';

// biome-ignore lint/suspicious/noExplicitAny: the parsed document, checked by the assertions that read it
type Json = any;

let db: Db;
let doc: Json;
let dir: string;
beforeAll(async () => {
  db = openSqlite(':memory:');
  const app = createApp({ getDb: () => db, http: { rateLimit: false } });
  doc = await (await app.request('/openapi.json')).json();
  dir = mkdtempSync(join(tmpdir(), 'atlas-openapi-'));
});
afterAll(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );

describe('/openapi.json', () => {
  it('is valid for swagger-parser', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeTruthy();
  });

  it('has no error under redocly lint with the recommended rules', async () => {
    const file = join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    const run = promisify(execFile);
    const { stdout } = await run(
      'node_modules/.bin/redocly',
      ['lint', '--extends', 'recommended', '--format', 'json', file],
      // No telemetry or update check: CI has no network.
      { env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } },
    );
    const report = JSON.parse(stdout) as { totals: { errors: number }; problems: Json[] };
    const errors = report.problems.filter((p) => p.severity === 'error');
    expect(errors.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`)).toEqual([]);
    expect(report.totals.errors).toBe(0);
  }, 60_000);

  it('gives every operation a unique operationId', () => {
    const ids = operations().map(({ op }) => op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('states the licence, the open security and the servers', () => {
    expect(doc.info.license).toEqual({ name: 'MIT', identifier: 'MIT' });
    expect(doc.security).toEqual([]);
    expect(doc.servers).toEqual([{ url: '/' }]);
  });

  it('documents the sources, the health check and the landing page', () => {
    for (const p of ['/v1/sources', '/v1/sources/{id}', '/v1/sources/{id}/quarantine', '/healthz', '/']) {
      expect(doc.paths[p]?.get, p).toBeTruthy();
    }
  });

  it('types the properties of site and location features', () => {
    const props = (name: string) => doc.components.schemas[name].properties;
    expect(Object.keys(props('SiteSummary'))).toEqual(
      expect.arrayContaining(['name', 'name_derived', 'sources', 'evse_count', 'status', 'connectors']),
    );
    expect(props('SiteDetail').provenance).toEqual({ $ref: '#/components/schemas/Provenance' });
    expect(props('LocationDetail').opening_times).toBeTruthy();
    expect(doc.components.schemas.OpeningTimes.properties.regular_hours).toBeTruthy();
    const siteFeature = doc.components.schemas.SiteFeature.properties.properties;
    expect(siteFeature).toEqual({ $ref: '#/components/schemas/SiteSummary' });
  });

  it('documents 304 on conditional GETs and Last-Event-ID on the stream', () => {
    expect(doc.paths['/v1/sites'].get.responses['304']).toEqual({
      $ref: '#/components/responses/NotModified',
    });
    expect(doc.paths['/v1/availability/stream'].get.responses['304']).toBeUndefined();
    const headers = doc.paths['/v1/availability/stream'].get.parameters.filter(
      (p: Json) => p.in === 'header',
    );
    expect(headers.map((p: Json) => p.name.toLowerCase())).toEqual(['last-event-id']);
  });
});
