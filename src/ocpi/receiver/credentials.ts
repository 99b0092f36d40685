// The credentials object a CPO sends when it registers with us (SPEC-DIGEST §4): its token B, its
// versions URL and the parties it pushes for. 2.1.1 has one party at the top level, 2.2+ roles.
import type { OcpiVersion } from '../../model/types.js';
import { credentialsSchemas } from '../schemas.js';
import { invalidParameters } from './envelope.js';
import type { Party } from './push-rules.js';

export interface PeerCredentials {
  token: string;
  url: string;
  parties: Party[];
}

const TOKEN = /^[\x21-\x7e]{1,64}$/;

export function readPeerCredentials(body: unknown, version: OcpiVersion): PeerCredentials {
  const parsed = credentialsSchemas[version].safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidParameters(
      `credentials ${issue?.path.join('.') || 'object'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const c = parsed.data as {
    token: string;
    url: string;
    roles?: { country_code: string; party_id: string }[];
  };
  if (!TOKEN.test(c.token)) throw invalidParameters('credentials token: 1 to 64 printable ASCII characters');
  if (!/^https?:\/\/\S+$/.test(c.url)) throw invalidParameters('credentials url: an http(s) versions URL');
  const list = c.roles ?? [c as unknown as { country_code: string; party_id: string }];
  const parties: Party[] = [];
  for (const r of list) {
    if (!/^[A-Za-z]{2}$/.test(r.country_code) || !/^[A-Za-z0-9]{3}$/.test(r.party_id)) {
      throw invalidParameters(
        `credentials party ${r.country_code}/${r.party_id}: country_code ci(2), party_id ci(3)`,
      );
    }
    const p = { country_code: r.country_code.toUpperCase(), party_id: r.party_id.toUpperCase() };
    if (!parties.some((q) => q.country_code === p.country_code && q.party_id === p.party_id)) parties.push(p);
  }
  return { token: c.token, url: c.url, parties };
}
