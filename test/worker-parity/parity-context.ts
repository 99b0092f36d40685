// What the Node side of the parity check hands the Workers tests (vitest provide/inject): the feed
// both builds pull, and the Node build's answers to the parity queries, byte for byte. No Node or Workers API,
// so both tsconfigs (Node and Workers) include it.

export interface ParityCase {
  path: string;
  status: number;
  contentType: string | null;
  body: string;
}

export interface WorkerParity {
  /** The sources file both builds read (the token replaced by a placeholder). */
  sourcesJson: string;
  sourceId: string;
  /** The fake CPO's token: the Worker gets it as the ATLAS_TOKEN_<ID> secret. */
  token: string;
  tokenBinding: string;
  /** Base URL of the fake CPO on loopback, served by Node. */
  cpoUrl: string;
  /**
   * Base URL the Node build answered on. The Worker is asked with the same origin, since answers
   * carry absolute links built from the request URL.
   */
  nodeUrl: string;
  /** Locations in the feed, and pages of it at the source's page size. */
  feedLocations: number;
  pageSize: number;
  cases: ParityCase[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    workerParity: WorkerParity;
  }
}

/**
 * The body as text to compare: binary answers (vector tiles) as base64 of their bytes, an
 * availability answer without the time it was asked at (`generated_at`; the feed's statuses are
 * months old, so their stale flags are the same at either time), and a history without the time
 * each build first held the EVSE (`known_since`: each synced the feed on its own clock).
 */
export async function comparableBody(res: Response, path: string): Promise<string> {
  if (path.startsWith('/v1/availability'))
    return (await res.text()).replace(/"generated_at":"[^"]*"/, '"generated_at":"(when asked)"');
  if (path.includes('/history'))
    return (await res.text()).replace(/"known_since":"[^"]*"/, '"known_since":"(when synced)"');
  if (!(res.headers.get('content-type') ?? '').includes('vnd.mapbox-vector-tile')) return res.text();
  let binary = '';
  for (const b of new Uint8Array(await res.arrayBuffer())) binary += String.fromCharCode(b);
  return `base64:${btoa(binary)}`;
}
