// Content negotiation for gzip and brotli. gzip comes from CompressionStream (Node 20 and Workers);
// brotli only when the host passes a compressor (Node: node:zlib), as CompressionStream has no br.
export type Encoding = 'br' | 'gzip' | 'identity';

const COMPRESSIBLE =
  /^(application\/(json|geo\+json|javascript|xml|x-ndjson|openapi\+json|vnd\.mapbox-vector-tile)|text\/(?!event-stream)|image\/svg\+xml)/;

export function isCompressible(contentType: string | null): boolean {
  return contentType != null && COMPRESSIBLE.test(contentType);
}

/** The best encoding the client accepts (q-values honoured), among those we can produce. */
export function negotiateEncoding(acceptEncoding: string | undefined, brotli: boolean): Encoding {
  if (!acceptEncoding) return 'identity';
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const v = qp ? Number(qp.slice(2)) : 1;
    q.set(name, Number.isFinite(v) ? v : 0);
  }
  const weight = (e: string) => q.get(e) ?? q.get('*') ?? 0;
  const candidates: Encoding[] = brotli ? ['br', 'gzip'] : ['gzip'];
  let best: Encoding = 'identity';
  let bestQ = 0;
  for (const e of candidates) {
    const w = weight(e);
    if (w > bestQ) {
      best = e;
      bestQ = w;
    }
  }
  return best;
}

export interface Compressors {
  brotli?: () => TransformStream<Uint8Array, Uint8Array>;
  gzip?: () => TransformStream<Uint8Array, Uint8Array>;
  /**
   * Compresses bytes already in memory in one call. Without it they go through the stream
   * compressor (a Blob of them, then chunks): on Node that made ~2 MB of garbage buffers per 700 KB
   * page on the event loop, which waited for its full collections (http-hooks.ts compressWhole).
   */
  whole?: (bytes: Uint8Array, encoding: Exclude<Encoding, 'identity'>) => Promise<Uint8Array<ArrayBuffer>>;
}

export function gzipTransform(c: Compressors = {}): TransformStream<Uint8Array, Uint8Array> {
  return c.gzip
    ? c.gzip()
    : (new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
}

export function compressStream(
  body: ReadableStream<Uint8Array>,
  encoding: Exclude<Encoding, 'identity'>,
  c: Compressors,
): ReadableStream<Uint8Array> {
  return body.pipeThrough(encoding === 'br' ? c.brotli!() : gzipTransform(c));
}

export async function compressBytes(
  bytes: Uint8Array<ArrayBuffer>,
  encoding: Exclude<Encoding, 'identity'>,
  c: Compressors,
): Promise<Uint8Array<ArrayBuffer>> {
  if (c.whole) return c.whole(bytes, encoding);
  const stream = compressStream(new Blob([bytes]).stream() as ReadableStream<Uint8Array>, encoding, c);
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
