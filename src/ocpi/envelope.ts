// Unwrapping OCPI response bodies. Real feeds come enveloped ({data, status_code, status_message,
// timestamp}), half-enveloped ({data} only: Punkt-E, PowerGo) or bare (EVIO, Zepto, LAKD arrays).

export type UnwrappedBody =
  | { ok: true; data: unknown; statusCode?: number; statusMessage?: string }
  | { ok: false; statusCode?: number; message: string };

const ENVELOPE_KEYS = new Set(['data', 'status_code', 'status_message', 'timestamp']);

function isEnvelope(o: Record<string, unknown>): boolean {
  if ('status_code' in o) return true;
  // A bare object (a single Location) has no `data`; an envelope has nothing but envelope keys.
  if (!('data' in o)) return false;
  for (const key in o) if (!ENVELOPE_KEYS.has(key)) return false;
  return true;
}

function readStatusCode(v: unknown): number | undefined | null {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

/**
 * The payload of an OCPI response body, with or without the envelope. A status_code outside
 * 1000-1999 is an error (SPEC-DIGEST §2: 2xxx client, 3xxx server, 4xxx hub), whatever `data` holds.
 */
export function unwrapOcpiBody(json: unknown): UnwrappedBody {
  if (Array.isArray(json)) return { ok: true, data: json };
  if (typeof json !== 'object' || json === null) {
    return {
      ok: false,
      message: `not an OCPI body: expected an object or array, got ${json === null ? 'null' : typeof json}`,
    };
  }
  const body = json as Record<string, unknown>;
  if (!isEnvelope(body)) return { ok: true, data: body };

  const statusCode = readStatusCode(body.status_code);
  const statusMessage = typeof body.status_message === 'string' ? body.status_message : undefined;
  if (statusCode === null) {
    // Sitronics sends `"status_code": "Success"`: unreadable, so the data decides.
    if (body.data === undefined || body.data === null) {
      return {
        ok: false,
        message: `envelope status_code ${JSON.stringify(body.status_code)} is not an integer`,
      };
    }
    return statusMessage === undefined
      ? { ok: true, data: body.data }
      : { ok: true, data: body.data, statusMessage };
  }
  if (statusCode !== undefined && (statusCode < 1000 || statusCode > 1999)) {
    return { ok: false, statusCode, message: statusMessage ?? `OCPI status_code ${statusCode}` };
  }
  const out: UnwrappedBody = { ok: true, data: body.data };
  if (statusCode !== undefined) out.statusCode = statusCode;
  if (statusMessage !== undefined) out.statusMessage = statusMessage;
  return out;
}
