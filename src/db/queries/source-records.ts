// Writes to `sources` and `source_secrets`: one upsert each, whoever writes (the sources file
// mirrored at startup, a CPO registering its credentials, our own handshake).
import { eq, sql } from 'drizzle-orm';
import { sourceSecrets, sources } from '../schema.js';
import type { Db, Stmt } from '../types.js';
import { stmtOf } from './stmt.js';

export type SourceRecord = typeof sources.$inferInsert;

/** What a conflict on the source id updates, by who writes. */
const ON_CONFLICT = {
  // The sources file owns names, licences and enabled; an empty parties list keeps the parties a
  // handshake filled in.
  config: {
    name: sql`excluded.name`,
    type: sql`excluded.type`,
    license: sql`excluded.license`,
    attribution: sql`excluded.attribution`,
    enabled: sql`excluded.enabled`,
    parties: sql`CASE WHEN excluded.parties = '[]' THEN ${sources.parties} ELSE excluded.parties END`,
    updatedAt: sql`excluded.updated_at`,
  },
  // A CPO's credentials own its parties and what discovery of its API found.
  registration: {
    parties: sql`excluded.parties`,
    version: sql`excluded.version`,
    endpoints: sql`excluded.endpoints`,
    tokenEncoding: sql`excluded.token_encoding`,
    updatedAt: sql`excluded.updated_at`,
  },
} as const;

export function upsertSourceStmt(db: Db, row: SourceRecord, writer: keyof typeof ON_CONFLICT): Stmt {
  return stmtOf(
    db.orm.insert(sources).values(row).onConflictDoUpdate({ target: sources.id, set: ON_CONFLICT[writer] }),
  );
}

/** Sets the tokens given (undefined leaves one as it is, null clears it). */
export function upsertSecretsStmt(
  db: Db,
  sourceId: string,
  tokens: { tokenB?: string | null; tokenC?: string | null },
  now: string,
): Stmt {
  const set = { ...tokens, updatedAt: now };
  return stmtOf(
    db.orm
      .insert(sourceSecrets)
      .values({ sourceId, ...set })
      .onConflictDoUpdate({ target: sourceSecrets.sourceId, set }),
  );
}

/** Sets the given columns of one source (what discovery or a handshake found). */
export function updateSourceStmt(db: Db, id: string, set: Partial<Omit<SourceRecord, 'id'>>): Stmt {
  return stmtOf(db.orm.update(sources).set(set).where(eq(sources.id, id)));
}

/** What a sync needs to resume a source: the negotiated version and encoding, token C, last successes. */
export async function sourceSyncState(db: Db, id: string) {
  const [row] = await db.orm
    .select({
      version: sources.version,
      tokenEncoding: sources.tokenEncoding,
      lastSuccessAt: sources.lastSuccessAt,
      lastFullSuccessAt: sources.lastFullSuccessAt,
    })
    .from(sources)
    .where(eq(sources.id, id));
  const [secret] = await db.orm
    .select({ tokenC: sourceSecrets.tokenC })
    .from(sourceSecrets)
    .where(eq(sourceSecrets.sourceId, id));
  return { ...row, tokenC: secret?.tokenC ?? null };
}

/** Each held source's licence as the table has it (what a changed sources file is compared with). */
export async function sourceLicenses(db: Db) {
  return db.orm.select({ id: sources.id, license: sources.license }).from(sources);
}
