/**
 * Bearer-token check for admin routes. Tokens are compared through their SHA-256 digests with
 * `timingSafeEqual`, so neither the content nor the length of the configured token leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, UnauthorizedError } from '../errors.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Throws UnauthorizedError (401) when no bearer token is sent, ForbiddenError (403) when it is wrong or when no
 * admin token is configured at all.
 */
export function checkBearer(authorization: string | undefined, adminToken: string | undefined): void {
  const match = /^Bearer[ ]+(\S.*)$/i.exec(authorization?.trim() ?? '');
  if (!match) throw new UnauthorizedError();
  if (adminToken === undefined) {
    throw new ForbiddenError('index updates are disabled: RAG_ADMIN_TOKEN is not configured');
  }
  if (!timingSafeEqual(digest(match[1]!), digest(adminToken))) throw new ForbiddenError();
}
