// What we keep about a source between runs: negotiated version, endpoints, token encoding, the
// token C from a handshake, and when it last synced. Config comes from the sources file; this
// state comes from the database.
import type { Db } from '../db/types.js';
import type { OcpiVersion } from '../model/types.js';
import type { Discovery } from '../ocpi/client/discovery.js';
import { endpointsWithoutCredentials } from '../ocpi/client/safe-url.js';
import type { SourceConfig } from './sources-file.js';

export interface SourceState {
  version: OcpiVersion | null;
  tokenEncoding: 'base64' | 'raw' | null;
  tokenC: string | null;
  lastSuccessAt: string | null;
  lastFullSuccessAt: string | null;
}

export async function loadSourceState(db: Db, sourceId: string): Promise<SourceState> {
  const row = await db.get<{
    version: string | null;
    token_encoding: string | null;
    last_success_at: string | null;
    last_full_success_at: string | null;
  }>('SELECT version, token_encoding, last_success_at, last_full_success_at FROM sources WHERE id = ?', [
    sourceId,
  ]);
  const secret = await db.get<{ token_c: string | null }>(
    'SELECT token_c FROM source_secrets WHERE source_id = ?',
    [sourceId],
  );
  return {
    version: (row?.version as OcpiVersion | null) ?? null,
    tokenEncoding:
      row?.token_encoding === 'raw' || row?.token_encoding === 'base64' ? row.token_encoding : null,
    tokenC: secret?.token_c ?? null,
    lastSuccessAt: row?.last_success_at ?? null,
    lastFullSuccessAt: row?.last_full_success_at ?? null,
  };
}

/** The token to call the CPO with: the C from our own handshake, else the configured one. */
export function tokenFor(source: { token: string }, state: SourceState): string {
  return state.tokenC ?? source.token;
}

export async function saveDiscovery(db: Db, sourceId: string, d: Discovery, now: string) {
  const defaultEncoding = d.version === '2.1.1' ? 'raw' : 'base64';
  const note =
    d.tokenEncoding !== defaultEncoding
      ? `the CPO accepts only a ${d.tokenEncoding} token on OCPI ${d.version} (spec: ${defaultEncoding}); using ${d.tokenEncoding}`
      : null;
  await db.batch([
    {
      sql: `UPDATE sources SET version = ?, endpoints = ?, token_encoding = ?, token_encoding_note = ?, updated_at = ?
        WHERE id = ?`,
      // Some CPOs put a token into their URLs: stored (and shown in source health) without it.
      params: [
        d.version,
        JSON.stringify(endpointsWithoutCredentials(d.endpoints)),
        d.tokenEncoding,
        note,
        now,
        sourceId,
      ],
    },
  ]);
}

/** Mirrors the sources file into the sources table (names, licences; never tokens). */
export async function upsertSources(db: Db, sources: SourceConfig[], now: string): Promise<void> {
  if (sources.length === 0) return;
  await db.batch(
    sources.map((s) => ({
      sql: `INSERT INTO sources (id, name, type, license, attribution, enabled, parties, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, type = excluded.type, license = excluded.license,
          attribution = excluded.attribution, enabled = excluded.enabled,
          parties = CASE WHEN excluded.parties = '[]' THEN sources.parties ELSE excluded.parties END,
          updated_at = excluded.updated_at`,
      params: [
        s.id,
        s.name,
        s.type,
        s.license ?? null,
        s.attribution ?? null,
        s.enabled ? 1 : 0,
        JSON.stringify('parties' in s ? s.parties : []),
        now,
      ],
    })),
  );
}
