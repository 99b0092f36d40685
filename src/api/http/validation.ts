// Resource apps validate their input with the same zod schemas that generate /openapi.json; this
// hook turns a failed validation into the public error shape, naming the parameter at fault.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AppEnv } from '../deps.js';
import { ApiError, badParameter } from '../errors.js';

export function validationError(error: ZodError, target: string): ApiError {
  const unknown = error.issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown && 'keys' in unknown) {
    const keys = (unknown.keys as string[]).join(', ');
    return new ApiError(400, 'unknown_parameter', `${keys}: unknown ${target} parameter (see /openapi.json)`);
  }
  return badParameter(error, target);
}

/** A Hono app for one resource whose routes are declared with createRoute (documented + validated). */
export function resourceApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error as ZodError, result.target);
    },
  });
}
