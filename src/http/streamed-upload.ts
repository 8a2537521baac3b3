/**
 * What the routes that take a corpus as a stream share (PUT /index, POST /index/documents): the two accepted media
 * types, a schema compiler that leaves the body to the streaming validator (corpus-upload.ts), and the checks made
 * before any byte of the body is read: the bearer token first, then the media type and the declared length.
 */
import type { FastifyRequest, FastifySchemaCompiler } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Readable } from 'node:stream';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js';
import { checkBearer } from './auth.js';
import type { RouteContext } from './context.js';
import type { CorpusFormat } from '../index/corpus.js';

const MEDIA: Record<string, CorpusFormat> = { 'application/x-ndjson': 'ndjson', 'application/json': 'json' };

/** The upload body is validated line by line while it streams (corpus-upload.ts), not by a schema compiler. */
export const streamedBody: FastifySchemaCompiler<unknown> = (route) =>
  route.httpPart === 'body' ? (value) => ({ value }) : TypeBoxValidatorCompiler(route as never);

/** The upload format named by a Content-Type header; 415 for any other. */
export function formatOf(contentType: string | undefined): CorpusFormat {
  const mime = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  const format = MEDIA[mime];
  if (!format) throw new UnsupportedMediaTypeError(Object.keys(MEDIA));
  return format;
}

/** `onRequest` of a streamed upload route: 401/403, then 415, then 413 on the declared length. */
export function uploadChecks(ctx: RouteContext) {
  return async (request: FastifyRequest): Promise<void> => {
    // Authentication comes first: nothing about the body is looked at for an unauthorized caller.
    checkBearer(request.headers.authorization, ctx.config.adminToken);
    const format = formatOf(request.headers['content-type']);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > ctx.config.maxUploadBytes) throw new PayloadTooLargeError(ctx.config.maxUploadBytes);
    request.log.info({ format, declaredBytes: declared, route: request.url }, 'index upload');
  };
}

/** The request body as the raw stream the routes' content-type parser hands over. */
export function bodyStream(request: FastifyRequest): Readable {
  return request.body instanceof Readable ? request.body : Readable.from([]);
}
