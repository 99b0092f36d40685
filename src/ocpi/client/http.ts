// One OCPI HTTP exchange: auth and tracing headers, per-attempt timeout, bounded concurrency and
// retries with backoff. Runs on Node and Workers alike (global fetch, AbortController, crypto).
import type { Logger } from '../../log.js';
import type { OcpiVersion } from '../../model/types.js';
import { authorizationHeader, type TokenEncoding } from './auth.js';
import { OcpiBodyError, OcpiHttpError, OcpiNetworkError, OcpiTimeoutError } from './errors.js';
import { safeText, safeUrl } from './safe-url.js';
import type { Semaphore } from './semaphore.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  /** Requests that ended in an error after all retries. */
  failures: number;
  inFlight: number;
  maxInFlight: number;
}

/** The transport every OCPI call of one client shares; build it with createOcpiClient(). */
export interface OcpiClient {
  readonly fetch: FetchLike;
  readonly sleep: (ms: number) => Promise<void>;
  /** In [0, 1); the jitter source. */
  readonly random: () => number;
  readonly timeoutMs: number;
  /** Retries after the first attempt. */
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Upper bound on a peer's Retry-After, so one CPO cannot park a sync for hours. */
  readonly retryAfterMaxMs: number;
  readonly limiter: Semaphore;
  readonly stats: HttpStats;
  readonly log: Logger;
}

export interface OcpiRequestInit {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  token: string;
  tokenEncoding: TokenEncoding;
  /** The version spoken; undefined before one is chosen (the versions endpoint). */
  version?: OcpiVersion;
  /** Kept across the requests of one logical operation (a crawl, a handshake). */
  correlationId?: string;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * False for requests that must not run twice (credentials POST): those are retried only on
   * 429/503, which say the peer did not process them.
   */
  idempotent?: boolean;
  signal?: AbortSignal;
}

export interface OcpiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or null for an empty body. */
  body: unknown;
}

type Attempt =
  | { kind: 'response'; status: number; headers: Headers; text: string }
  | { kind: 'failed'; error: OcpiTimeoutError | OcpiNetworkError };

export async function ocpiFetch(
  url: string,
  init: OcpiRequestInit,
  client: OcpiClient,
): Promise<OcpiResponse> {
  const method = init.method ?? 'GET';
  const where = safeUrl(url, init.token);
  const correlationId = init.correlationId ?? crypto.randomUUID();

  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce(url, init, method, correlationId, client);
    let failure: OcpiHttpError | OcpiTimeoutError | OcpiNetworkError;
    if (outcome.kind === 'response') {
      const httpError = httpFailure(outcome, method, where, init.token);
      if (!httpError) {
        return {
          status: outcome.status,
          headers: outcome.headers,
          body: parseBody(outcome.text, where, client),
        };
      }
      failure = httpError;
    } else failure = outcome.error;

    const status = failure instanceof OcpiHttpError ? failure.status : null;
    const mayRepeat = (init.idempotent ?? true) || status === 429 || status === 503;
    if (!failure.retryable || !mayRepeat || attempt >= client.retries || init.signal?.aborted) {
      client.stats.failures++;
      throw failure;
    }
    const retryAfter =
      outcome.kind === 'response' ? retryAfterMs(outcome.headers, client.retryAfterMaxMs) : null;
    const delayMs = retryAfter ?? backoffMs(attempt, client);
    client.stats.retries++;
    client.log.warn(
      { url: where, method, attempt: attempt + 1, delay_ms: Math.round(delayMs), reason: failure.message },
      'ocpi request retry',
    );
    await client.sleep(delayMs);
  }
}

async function attemptOnce(
  url: string,
  init: OcpiRequestInit,
  method: string,
  correlationId: string,
  client: OcpiClient,
): Promise<Attempt> {
  const release = await client.limiter.acquire();
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, client.timeoutMs);
  const onOuterAbort = () => controller.abort();
  if (init.signal?.aborted) controller.abort();
  else init.signal?.addEventListener('abort', onOuterAbort, { once: true });
  client.stats.requests++;
  client.stats.inFlight++;
  client.stats.maxInFlight = Math.max(client.stats.maxInFlight, client.stats.inFlight);
  const where = safeUrl(url, init.token);
  try {
    const response = await client.fetch(url, {
      method,
      headers: requestHeaders(init, correlationId),
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: controller.signal,
    });
    // The body is read under the same timer: a CPO that drips a page forever is as stuck as one
    // that never answers.
    const text = await response.text();
    return { kind: 'response', status: response.status, headers: response.headers, text };
  } catch (err) {
    if (timedOut) {
      return {
        kind: 'failed',
        error: new OcpiTimeoutError(
          `${method} ${where} timed out after ${client.timeoutMs} ms`,
          client.timeoutMs,
          {
            url: where,
            retryable: true,
          },
        ),
      };
    }
    const reason = safeText(describe(err), init.token);
    const aborted = init.signal?.aborted ?? false;
    return {
      kind: 'failed',
      error: new OcpiNetworkError(`${method} ${where} failed: ${aborted ? 'aborted by caller' : reason}`, {
        url: where,
        retryable: !aborted,
      }),
    };
  } finally {
    clearTimeout(timer);
    init.signal?.removeEventListener('abort', onOuterAbort);
    client.stats.inFlight--;
    release();
  }
}

function requestHeaders(init: OcpiRequestInit, correlationId: string): Record<string, string> {
  const headers: Record<string, string> = {
    Authorization: authorizationHeader(init.token, init.tokenEncoding),
    Accept: 'application/json',
  };
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  // 2.2+ requires both (digest §2); 2.1.1 peers ignore unknown headers, so the versions call,
  // made before the version is known, carries them too.
  if (init.version !== '2.1.1') {
    headers['X-Request-ID'] = crypto.randomUUID();
    headers['X-Correlation-ID'] = correlationId;
  }
  return headers;
}

function httpFailure(
  outcome: Extract<Attempt, { kind: 'response' }>,
  method: string,
  where: string,
  token: string,
): OcpiHttpError | null {
  const { status } = outcome;
  if (status >= 200 && status < 300) return null;
  const envelope = errorEnvelope(outcome.text);
  const detail = envelope?.message ? `: ${safeText(envelope.message, token)}` : '';
  const ocpi = envelope ? ` (OCPI ${envelope.code})` : '';
  return new OcpiHttpError(
    `${method} ${where} answered HTTP ${status}${ocpi}${detail}`,
    status,
    envelope?.code ?? null,
    { url: where, retryable: status === 429 || status >= 500 },
  );
}

/** Error replies often still carry an envelope; its status_code says more than the HTTP status. */
function errorEnvelope(text: string): { code: number; message: string | null } | null {
  try {
    const body: unknown = JSON.parse(text);
    if (
      body &&
      typeof body === 'object' &&
      typeof (body as { status_code?: unknown }).status_code === 'number'
    ) {
      const { status_code, status_message } = body as { status_code: number; status_message?: unknown };
      return {
        code: status_code,
        message: typeof status_message === 'string' ? status_message.slice(0, 200) : null,
      };
    }
  } catch {
    // not JSON: the HTTP status is all there is
  }
  return null;
}

function parseBody(text: string, where: string, client: OcpiClient): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    client.stats.failures++;
    const truncated = endsInsideJsonValue(text);
    throw new OcpiBodyError(
      `${where} sent ${truncated ? 'a truncated' : 'a malformed'} JSON body (${text.length} chars): ${describe(err)}`,
      truncated ? 'truncated' : 'malformed-json',
      { url: where, retryable: false },
    );
  }
}

/** True when the text stops with an open string, object or array: cut short rather than garbled. */
export function endsInsideJsonValue(text: string): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return inString || depth > 0;
}

/** Retry-After as delta-seconds or HTTP-date (RFC 9110 §10.2.3), capped. */
export function retryAfterMs(headers: Headers, capMs: number, now = Date.now()): number | null {
  const value = headers.get('retry-after')?.trim();
  if (!value) return null;
  let ms: number;
  if (/^\d+$/.test(value)) ms = Number(value) * 1000;
  else {
    const at = Date.parse(value);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), capMs);
}

/** Exponential backoff with full jitter (AWS architecture blog): spreads retries of many syncs. */
export function backoffMs(
  attempt: number,
  client: Pick<OcpiClient, 'backoffBaseMs' | 'backoffMaxMs' | 'random'>,
) {
  return client.random() * Math.min(client.backoffMaxMs, client.backoffBaseMs * 2 ** attempt);
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}
