// Typed failures of the OCPI client. Every message and url here has already been stripped of the
// token (see safe-url.ts): callers may log them as they are.

export interface OcpiErrorDetails {
  /** The request URL with credentials removed. */
  url: string;
  /** True when the same request may succeed later (network trouble, 5xx, 429). */
  retryable: boolean;
  cause?: unknown;
}

export class OcpiClientError extends Error {
  readonly url: string;
  readonly retryable: boolean;

  constructor(message: string, details: OcpiErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.url = details.url;
    this.retryable = details.retryable;
  }
}

/** The peer answered with an HTTP error status. */
export class OcpiHttpError extends OcpiClientError {
  readonly status: number;
  /** The OCPI status_code when the error body was an envelope (e.g. 2001 with HTTP 400). */
  readonly ocpiStatusCode: number | null;

  constructor(message: string, status: number, ocpiStatusCode: number | null, details: OcpiErrorDetails) {
    super(message, details);
    this.status = status;
    this.ocpiStatusCode = ocpiStatusCode;
  }
}

/** No complete answer within the per-request timeout. */
export class OcpiTimeoutError extends OcpiClientError {
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, details: OcpiErrorDetails) {
    super(message, details);
    this.timeoutMs = timeoutMs;
  }
}

/** Connection refused or reset, DNS failure, body cut by the network. */
export class OcpiNetworkError extends OcpiClientError {}

export type OcpiBodyProblem = 'malformed-json' | 'truncated' | 'unexpected-shape';

/** The body arrived but is not what OCPI promises (not JSON, cut short, not a list). */
export class OcpiBodyError extends OcpiClientError {
  readonly problem: OcpiBodyProblem;

  constructor(message: string, problem: OcpiBodyProblem, details: OcpiErrorDetails) {
    super(message, details);
    this.problem = problem;
  }
}

/** HTTP was fine but the envelope's status_code is outside 1xxx (digest §2: 2xxx client, 3xxx server, 4xxx hub). */
export class OcpiStatusError extends OcpiClientError {
  readonly statusCode: number;
  readonly statusMessage: string | null;

  constructor(message: string, statusCode: number, statusMessage: string | null, details: OcpiErrorDetails) {
    super(message, details);
    this.statusCode = statusCode;
    this.statusMessage = statusMessage;
  }
}

export type OcpiPaginationProblem = 'loop' | 'max-pages';

/** The peer's paging cannot be trusted to end: a next link seen before, or too many pages. */
export class OcpiPaginationError extends OcpiClientError {
  readonly problem: OcpiPaginationProblem;

  constructor(message: string, problem: OcpiPaginationProblem, details: OcpiErrorDetails) {
    super(message, details);
    this.problem = problem;
  }
}

/** Versions or version details do not allow a connection (no mutual version, missing endpoint). */
export class OcpiDiscoveryError extends OcpiClientError {}
