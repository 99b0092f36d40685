// What we keep about a source between runs: negotiated version, endpoints, token encoding, the
// token C from a handshake, and when it last synced. Config comes from the sources file; this
// state comes from the database.

import {
  sourceLicenses,
  sourceSyncState,
  updateSourceStmt,
  upsertSourceStmt,
} from '../db/queries/source-records.js';
import type { Db } from '../db/types.js';
import { refreshSiteFeaturesStmts } from '../db/write-site-features.js';
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
  const row = await sourceSyncState(db, sourceId);
  return {
    version: (row?.version as OcpiVersion | null) ?? null,
    tokenEncoding: row?.tokenEncoding === 'raw' || row?.tokenEncoding === 'base64' ? row.tokenEncoding : null,
    tokenC: row?.tokenC ?? null,
    lastSuccessAt: row?.lastSuccessAt ?? null,
    lastFullSuccessAt: row?.lastFullSuccessAt ?? null,
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
    updateSourceStmt(db, sourceId, {
      version: d.version,
      // Some CPOs put a token into their URLs: stored (and shown in source health) without it.
      endpoints: endpointsWithoutCredentials(d.endpoints),
      tokenEncoding: d.tokenEncoding,
      tokenEncodingNote: note,
      updatedAt: now,
    }),
  ]);
}

/** Mirrors the sources file into the sources table (names, licences; never tokens). */
export async function upsertSources(db: Db, sources: SourceConfig[], now: string): Promise<void> {
  if (sources.length === 0) return;
  const held = new Map((await sourceLicenses(db)).map((r) => [r.id, r.license]));
  // A licence change can publish or withdraw every record of the source: its sites are rebuilt in
  // the same batch.
  const relicensed = sources.filter((s) => held.has(s.id) && held.get(s.id) !== (s.license ?? null));
  await db.batch([
    ...sources.map((s) =>
      upsertSourceStmt(
        db,
        {
          id: s.id,
          name: s.name,
          type: s.type,
          license: s.license ?? null,
          attribution: s.attribution ?? null,
          enabled: s.enabled,
          parties: 'parties' in s ? s.parties : [],
          updatedAt: now,
        },
        'config',
      ),
    ),
    ...relicensed.flatMap((s) => refreshSiteFeaturesStmts({ sourceId: s.id })),
  ]);
}
