/**
 * A preValidation hook that trims the given string fields of a JSON body, so that the schema's length bounds apply
 * "after trimming" as docs/API.md says, and the engine never sees surrounding whitespace.
 */
import type { FastifyRequest } from 'fastify';

/** Returns a hook trimming `fields` in place when they are strings. */
export function trimFields(...fields: string[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const body = request.body as Record<string, unknown> | null;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
    for (const field of fields) {
      const value = body[field];
      if (typeof value === 'string') body[field] = value.trim();
    }
  };
}
