/**
 * GET / and GET /playground/:file: the playground page (web/playground), static files read once at start-up. Only
 * the files of that folder are served, so no path reaches the rest of the disk; the page calls this service's own
 * routes and nothing else (its content security policy says so to the browser too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { NotFoundError } from '../src/errors.js';

const FOLDER = fileURLToPath(new URL('../web/playground/', import.meta.url));
const MEDIA_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};
const POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

interface StaticFile { body: Buffer; type: string }

function readFolder(): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  for (const name of readdirSync(FOLDER)) {
    const type = MEDIA_TYPES[extname(name)];
    if (type) files.set(name, { body: readFileSync(join(FOLDER, name)), type });
  }
  return files;
}

function send(reply: FastifyReply, file: StaticFile) {
  return reply.type(file.type).header('cache-control', 'no-cache').header('content-security-policy', POLICY)
    .header('x-content-type-options', 'nosniff').send(file.body);
}

/** Registers the playground's routes, hidden from the OpenAPI document (they are a page, not the API). */
const playgroundRoutes: FastifyPluginAsync = async (app) => {
  const files = readFolder();
  app.get('/', { schema: { hide: true }, logLevel: 'warn' }, async (_request, reply) => send(reply, files.get('index.html')!));
  app.get<{ Params: { file: string } }>('/playground/:file', { schema: { hide: true }, logLevel: 'warn' }, async (request, reply) => {
    const file = files.get(request.params.file);
    if (!file) throw new NotFoundError(`no playground file "${request.params.file}"`);
    return send(reply, file);
  });
};

export default playgroundRoutes;
