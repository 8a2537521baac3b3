/**
 * Typed errors thrown by services. One error handler (src/http/error-handler.ts) maps them to a status and the
 * body `{"error": {"code", "message"}}`; anything that is not an AppError becomes a 500 without internals.
 */

/** Base of every error that carries its own HTTP status and a message safe to show to clients. */
export class AppError extends Error {
  /** Extra response headers (for example `Retry-After`). */
  readonly headers: Record<string, string>;

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
    this.headers = headers;
  }
}

/** 400: a request field or line is invalid; the message names it and its limit. */
export class ValidationError extends AppError {
  constructor(message: string) {
    super(400, 'invalid_request', message);
  }
}

/** 401: no bearer token was sent. */
export class UnauthorizedError extends AppError {
  constructor(message = 'an Authorization: Bearer token is required') {
    super(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer' });
  }
}

/** 403: the token is wrong, or no admin token is configured. */
export class ForbiddenError extends AppError {
  constructor(message = 'the bearer token is not valid for this operation') {
    super(403, 'forbidden', message);
  }
}

/** 404: no such route or resource. */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** 409: another index build is running. */
export class ConflictError extends AppError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** 413: the body is larger than the route accepts. */
export class PayloadTooLargeError extends AppError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `the request body must be at most ${limitBytes} bytes`);
  }
}

/** 415: the content type is not one the route accepts. */
export class UnsupportedMediaTypeError extends AppError {
  constructor(accepted: string[]) {
    super(415, 'unsupported_media_type', `Content-Type must be one of ${accepted.join(', ')}`);
  }
}

/** 429 (queue full) or 503 (waited too long): the server is saturated; retry after `retryAfterSeconds`. */
export class OverloadedError extends AppError {
  constructor(statusCode: 429 | 503, message: string, retryAfterSeconds: number) {
    super(statusCode, statusCode === 429 ? 'too_many_requests' : 'overloaded', message, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}

/** 503: models or the index are not loaded yet, or the server is shutting down. */
export class NotReadyError extends AppError {
  constructor(message = 'the service is not ready: models or index are still loading', retryAfterSeconds = 5) {
    super(503, 'not_ready', message, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** 503: the model worker serving a request stopped (a crash), or none is running while they restart. */
export class WorkerUnavailableError extends AppError {
  constructor(message: string) {
    super(503, 'worker_unavailable', message, { 'Retry-After': '1' });
  }
}

/**
 * 503: the serving index version turned out to be damaged while answering (a NaN score, a passage row that is not
 * a passage). The version is taken out of service; the log names the file.
 */
export class IndexDamagedError extends AppError {
  constructor(version: string) {
    super(503, 'index_damaged', `index version ${version} is damaged and has been taken out of service; ` +
      'retry shortly (an intact older version serves if there is one)', { 'Retry-After': '5' });
  }
}

/** 507: the disk holding `dir` is full; what was being written was discarded. */
export class InsufficientStorageError extends AppError {
  constructor(dir: string, what: string) {
    super(507, 'insufficient_storage', `the disk holding ${dir} is full: ${what} was discarded; free space there ` +
      'and retry', { 'Retry-After': '60' });
  }
}

/** True for the errors a full disk (or an exhausted quota) gives on write. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** 503: the request's deadline passed before the generation finished. */
export class DeadlineExceededError extends AppError {
  constructor(deadlineMs: number) {
    super(503, 'deadline_exceeded', `the request did not finish within its deadline of ${deadlineMs} ms`, {
      'Retry-After': '1',
    });
  }
}

/** The client went away; nothing is sent, but the engine stops and the log says why. */
export class ClientGoneError extends AppError {
  constructor() {
    super(499, 'client_closed_request', 'the client closed the connection');
  }
}
