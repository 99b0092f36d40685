// `atlas clients add|list|revoke`: the eMSPs and apps that read our OCPI sender (docs/ocpi-out.md).
import { addClient, listClients, revokeClient } from '../db/queries/ocpi-clients.js';
import type { Db } from '../db/types.js';
import { mintToken, tokenDigest } from '../ocpi/receiver/token-hash.js';

export interface ClientsCommandOptions {
  action: string | undefined;
  name?: string;
  id?: string;
  /** Our OCPI versions URL as the client will reach it. */
  versionsUrl: string;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const iso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function clientsCommand(db: Db, o: ClientsCommandOptions): Promise<number> {
  switch (o.action) {
    case 'add': {
      if (!o.name?.trim()) {
        o.err.write('clients add needs --name NAME\n');
        return 2;
      }
      const tokenA = mintToken();
      const id = await addClient(db, o.name.trim(), await tokenDigest(tokenA), iso());
      // The one and only time the token is shown: only its digest is stored.
      o.out.write(
        `client ${id} added. Give the eMSP these two values (the token is not shown again):\n` +
          `  versions URL  ${o.versionsUrl}\n` +
          `  token A       ${tokenA}\n` +
          'It registers with POST {credentials} using token A and gets its own token C.\n',
      );
      return 0;
    }
    case 'list': {
      const rows = await listClients(db);
      const shown = rows.map((r) => ({
        id: r.id,
        name: r.name,
        state: r.revoked_at
          ? `revoked ${r.revoked_at}`
          : r.registered_at
            ? `registered ${r.registered_at} (OCPI ${r.version})`
            : 'waiting for its registration (token A issued)',
        pushes: [r.pushes_locations ? 'locations' : null, r.pushes_tariffs ? 'tariffs' : null].filter(
          Boolean,
        ),
        backlog: r.backlog,
        last_delivery: r.delivered_at,
        failures: r.failures,
        retry_at: r.retry_at,
        last_error: r.last_error,
      }));
      o.out.write(`${JSON.stringify(shown, null, 2)}\n`);
      return 0;
    }
    case 'revoke': {
      if (!o.id) {
        o.err.write('clients revoke needs the client id (see atlas clients list)\n');
        return 2;
      }
      if (!(await revokeClient(db, o.id, iso()))) {
        o.err.write(`no active client ${o.id}\n`);
        return 1;
      }
      o.out.write(`client ${o.id} revoked: its tokens no longer work and its backlog is dropped\n`);
      return 0;
    }
    default:
      o.err.write('usage: atlas clients add --name NAME | list | revoke ID\n');
      return 2;
  }
}
