/**
 * The one place errors become responses (TGI's single `From<InferError>` mapping): typed AppErrors keep their
 * status and message, Fastify's own client errors (bad JSON, 413, 415) get our body shape, schema failures get a
 * message naming the field and its limit, and everything else is a 500 that reveals nothing about internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ClientGoneError } from '../errors.js';
import { validationMessage, type SchemaIssue } from './validation-message.js';

/** Codes for the Fastify errors a client can cause, by Fastify error code. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

function send(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send({ error: { code, message } });
}

function clientErrorMessage(err: FastifyError, request: FastifyRequest): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'the request body is not valid JSON';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the request body is empty; send a JSON object';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `the request body must be at most ${request.routeOptions.bodyLimit} bytes`;
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `Content-Type ${request.headers['content-type'] ?? '(none)'} is not accepted here; send application/json`;
    default:
      return err instanceof SyntaxError || err.name === 'SyntaxError'
        ? `the request body is not valid JSON: ${err.message}` : err.message;
  }
}

/** Installs the error and not-found handlers on `app`. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    send(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof AppError) {
      if (err instanceof ClientGoneError) request.log.info('client closed the connection; generation cancelled');
      else if (err.statusCode >= 500) request.log.warn({ code: err.code }, err.message);
      reply.headers(err.headers);
      return send(reply, err.statusCode, err.code, err.message);
    }
    if (err.validation) {
      const part = err.validationContext ?? 'body';
      const schema = (request.routeOptions.schema as Record<string, unknown> | undefined)?.[part];
      return send(reply, 400, 'invalid_request', validationMessage(err.validation as SchemaIssue[], schema, part));
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return send(reply, status, FASTIFY_CODES[err.code] ?? 'invalid_request', clientErrorMessage(err, request));
    }
    request.log.error({ err }, 'unhandled error');
    return send(reply, 500, 'internal_error', 'internal server error');
  });
}
