// A CPO's push to the Worker's OCPI receiver (2.2.1, party NL/DEM), the way the runtime calls fetch.
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/worker.js';

/**
 * The Worker's bindings with one source of its own pushing for NL/DEM with `pushToken`; its pulls
 * go to cpo.example, where no CPO is served (nothing is synced).
 */
export function pushingSourceBindings(id: string, name: string, pushToken: string): Cloudflare.Env {
  return {
    ...env,
    ATLAS_SOURCES_JSON: JSON.stringify([
      {
        id,
        name,
        versions_url: 'https://cpo.example/ocpi/versions',
        token: 'pull-token-unused',
        push_token: pushToken,
        parties: [{ country_code: 'NL', party_id: 'DEM' }],
        license: 'CC0-1.0',
      },
    ]),
  };
}

export type PushTo = (
  method: 'PUT' | 'PATCH',
  path: string,
  body: unknown,
) => Promise<{ status: number; body: { status_code: number } }>;

/** Pushes with `token` to the Worker built from `bindings`; `path` follows `.../locations/NL/DEM/`. */
export function pushTo(bindings: Cloudflare.Env, token: string): PushTo {
  return async (method, path, body) => {
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`http://atlas.test/ocpi/2.2.1/receiver/locations/NL/DEM/${path}`, {
        method,
        headers: { Authorization: `Token ${btoa(token)}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
      bindings,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    return { status: res.status, body: (await res.json()) as { status_code: number } };
  };
}
