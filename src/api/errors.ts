// The public API's one error type; the app's error handler turns it into
// { "error": { "code", "message" } } with the right status.
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** A 400 that names the parameter at fault, from the first zod issue. */
export function badParameter(error: ZodError, where = 'query'): ApiError {
  const issue = error.issues[0];
  const name = issue?.path.length ? issue.path.join('.') : where;
  return new ApiError(400, 'invalid_parameter', `${name}: ${issue?.message ?? 'invalid value'}`);
}

export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
