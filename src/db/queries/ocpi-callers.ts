// What the OCPI receiver needs to recognise a caller: our token B per source (stored hashed), the
// parties each source has, and the credentials registrations in `meta`. Read as one snapshot.
import { and, isNotNull } from 'drizzle-orm';
import { sourceSecrets, sources } from '../schema.js';
import type { Db } from '../types.js';
import { inJsonList } from './json-list.js';
import { metaWithPrefix } from './meta.js';

export async function callerCredentials(db: Db, sourceIds: string[], registrationPrefix: string) {
  const secrets = await db.orm
    .select({ sourceId: sourceSecrets.sourceId, tokenB: sourceSecrets.tokenB })
    .from(sourceSecrets)
    .where(and(isNotNull(sourceSecrets.tokenB), inJsonList(sourceSecrets.sourceId, sourceIds)));
  // Every source's stored parties, not only the callers': a party registered by another is not claimable.
  const parties = await db.orm
    .select({ id: sources.id, parties: sources.parties })
    .from(sources)
    .where(isNotNull(sources.parties));
  const registrations = await metaWithPrefix(db, registrationPrefix);
  return { secrets: secrets as { sourceId: string; tokenB: string }[], parties, registrations };
}
