// The OCPI response envelope of our receiver endpoints (SPEC-DIGEST §2) and the one error type the
// OCPI sub-app turns into it. HTTP errors are kept to what the transport layer owns: 400 for a body
// that is not JSON, 401 for authentication, 404 for a foreign party or unknown object, 405 for
// credentials misuse. A valid, authenticated request that we refuse gets HTTP 200 and a 2xxx code
// (status_codes chapter: such a request "has reached the OCPI layer").
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formatOcpiDateTime } from '../client/datetime.js';

export const OcpiStatus = {
  success: 1000,
  clientError: 2000,
  invalidParameters: 2001,
  notEnoughInformation: 2002,
  unknownLocation: 2003,
  serverError: 3000,
  unableToUseClientApi: 3001,
  unsupportedVersion: 3002,
  noMatchingEndpoints: 3003,
} as const;

export interface OcpiEnvelope {
  data?: unknown;
  status_code: number;
  status_message?: string;
  timestamp: string;
}

export function envelope(statusCode: number, now: Date, data?: unknown, message?: string): OcpiEnvelope {
  return {
    ...(data === undefined ? {} : { data }),
    status_code: statusCode,
    ...(message === undefined ? {} : { status_message: message }),
    timestamp: formatOcpiDateTime(now),
  };
}

/** A refusal: the HTTP status and the OCPI status_code it is answered with. */
export class OcpiError extends Error {
  constructor(
    readonly httpStatus: ContentfulStatusCode,
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

export const invalidParameters = (message: string) =>
  new OcpiError(200, OcpiStatus.invalidParameters, message);
export const unauthorized = (message = 'unknown or missing token') =>
  new OcpiError(401, OcpiStatus.clientError, message);
export const notFoundOcpi = (message: string) => new OcpiError(404, OcpiStatus.unknownLocation, message);
