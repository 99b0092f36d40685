// The credentials handshake for a source configured with a token A (`register: true`): register
// with the CPO once, keep its token C (to pull with) and our token B (it calls us with) in
// source_secrets, and the parties it named (what it may push for) on the source.

import { updateSourceStmt, upsertSecretsStmt } from '../db/queries/source-records.js';
import type { Db } from '../db/types.js';
import { type OurParty, registerWithCpo } from '../ocpi/client/credentials.js';
import type { OcpiClient } from '../ocpi/client/index.js';
import { tokenHash } from '../ocpi/receiver/auth.js';
import type { OcpiSourceConfig } from './sources-file.js';

export const DEFAULT_OUR_PARTY: OurParty = {
  countryCode: 'NL',
  partyId: 'OCA',
  name: 'Open Charging Atlas',
  role: 'NSP',
};

/** 32 random hex characters: a token the CPO will present to us. */
export function newToken(): string {
  return (crypto.randomUUID() + crypto.randomUUID()).replace(/-/g, '').slice(0, 40);
}

export async function registerSource(
  db: Db,
  source: OcpiSourceConfig,
  client: OcpiClient,
  publicUrl: string | undefined,
  now: string,
  ourParty: OurParty = DEFAULT_OUR_PARTY,
): Promise<string> {
  if (!publicUrl) {
    throw new Error(
      'source has register: true but ATLAS_PUBLIC_URL is not set: the CPO must be able to call our versions endpoint',
    );
  }
  const tokenB = newToken();
  // The CPO calls our versions and details with B before it answers the POST (spec §4 step 4), so
  // B must be accepted before we send it.
  // Stored as its hash: the receiver only compares what the CPO presents (callers.ts).
  await db.batch([upsertSecretsStmt(db, source.id, { tokenB: await tokenHash(tokenB) }, now)]);
  const reg = await registerWithCpo(
    {
      versionsUrl: source.versions_url,
      tokenA: source.token,
      ourVersionsUrl: `${publicUrl.replace(/\/$/, '')}/ocpi/versions`,
      ourTokenB: tokenB,
      ourParty,
      version: source.version,
    },
    client,
  );
  await db.batch([
    upsertSecretsStmt(db, source.id, { tokenC: reg.tokenC }, now),
    updateSourceStmt(db, source.id, {
      parties: reg.parties,
      version: reg.version,
      tokenEncoding: reg.tokenEncoding,
      updatedAt: now,
    }),
  ]);
  return reg.tokenC;
}
