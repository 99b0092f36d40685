// The answer to a push that failed inside the store (not a refusal): said the same way by the OCPI
// app's error handler and by the status PATCHes answered before the app (status-patch-requests.ts).
import { isStorageFull } from '../../db/storage-full.js';
import type { Logger } from '../../log.js';
import { OcpiStatus } from '../../ocpi/receiver/envelope.js';

export interface ServerFailure {
  httpStatus: 500 | 503;
  statusCode: number;
  message: string;
  /** Retry-After, in seconds, when the failure is temporary. */
  retryAfterS?: number;
}

/** Logs `err` (never a token: messages and stacks of the store) and says how to answer it. */
export function serverFailure(err: Error, log: Logger): ServerFailure {
  if (isStorageFull(err)) {
    // 503 + Retry-After: temporary by definition (RFC 9110 §15.6.4), so a CPO's push queue retries it.
    log.error({ err: { message: err.message } }, 'ocpi push not stored: storage full');
    return {
      httpStatus: 503,
      statusCode: OcpiStatus.serverError,
      message: 'storage full: not stored, retry later',
      retryAfterS: 60,
    };
  }
  log.error({ err: { message: err.message, stack: err.stack } }, 'ocpi handler failed');
  return { httpStatus: 500, statusCode: OcpiStatus.serverError, message: 'internal error' };
}
