import t from 'tap';
import { readFile } from 'node:fs/promises';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { startTestApp } from '../helpers/build-test-app.js';
import { API_TYPES_PATH, generateApiTypes, openApiDocument } from '../helpers/openapi.js';

t.test('GET /docs serves Swagger UI and /docs/json the OpenAPI 3 document', async (t) => {
  const app = await startTestApp(t);
  const ui = await fetch(`${app.url}/docs`);
  t.equal(ui.status, 200);
  t.match(await ui.text(), /swagger-ui/i);
  const res = await fetch(`${app.url}/docs/json`);
  t.equal(res.status, 200);
  const doc = await res.json();
  t.equal(doc.openapi, '3.0.3');
  t.same(Object.keys(doc.paths).sort(), ['/answer', '/healthz', '/index', '/index/documents', '/index/documents/{id}',
    '/index/jobs/{id}', '/index/versions', '/index/versions/{version}/activate', '/jeopardy', '/metrics', '/readyz']);
});

t.test('the OpenAPI document passes the Redocly linter and states the contract of API.md', async (t) => {
  const doc = await openApiDocument();
  const source = JSON.stringify(doc);
  const minimal = await lintFromString({ source, absoluteRef: 'openapi.json', config: await createConfig({ extends: ['minimal'] } as never) });
  t.same(minimal.map((p) => `${p.ruleId}: ${p.message}`), [], 'no problem under the minimal ruleset');
  const recommended = await lintFromString({ source, absoluteRef: 'openapi.json', config: await createConfig({ extends: ['recommended'] } as never) });
  t.same(recommended.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`), [],
    'no error under the recommended ruleset');

  const answer = doc.paths['/answer'].post;
  const body = answer.requestBody.content['application/json'].schema;
  t.match(body.properties, {
    question: { type: 'string', minLength: 1, maxLength: 2000 },
    n_docs: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
    num_beams: { type: 'integer', minimum: 1, maximum: 8, default: 4 },
    max_new_tokens: { type: 'integer', minimum: 1, maximum: 256, default: 50 },
    explain: { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['tokens', 'loo'] }] },
    min_confidence: { type: 'number', minimum: 0, maximum: 1 },
    stream: { type: 'boolean' }, extractive: { type: 'boolean' },
  });
  t.same(body.required, ['question']);
  t.same(Object.keys(answer.responses['200'].content).sort(), ['application/json', 'text/event-stream']);
  t.same(Object.keys(answer.responses).sort(), ['200', '400', '413', '415', '429', '500', '503']);
  const put = doc.paths['/index'].put;
  t.same(Object.keys(put.requestBody.content).sort(), ['application/json', 'application/x-ndjson']);
  t.same(Object.keys(put.responses).sort(), ['200', '202', '400', '401', '403', '409', '413', '415', '500', '507']);
  t.same(put.security, [{ bearerAuth: [] }]);
  const upsert = doc.paths['/index/documents'].post;
  t.same(Object.keys(upsert.requestBody.content).sort(), ['application/json', 'application/x-ndjson']);
  t.same(Object.keys(upsert.responses).sort(), ['200', '202', '400', '401', '403', '409', '413', '415', '500', '503', '507']);
  for (const op of [upsert, doc.paths['/index/documents'].delete, doc.paths['/index/versions/{version}/activate'].post]) {
    t.same(op.security, [{ bearerAuth: [] }], `${op.operationId} needs the admin token`);
  }
  t.match(doc.paths['/index/documents'].delete.requestBody.content['application/json'].schema,
    { required: ['ids'], properties: { ids: { type: 'array', minItems: 1 } } });
  t.match(doc.paths['/index/jobs/{id}'].get.responses['200'].content['application/json'].schema.properties.state,
    { type: 'string', enum: ['queued', 'running', 'succeeded', 'failed'] });
  t.match(doc.paths['/answer'].post.responses['400'].content['application/json'].schema, {
    required: ['error'], properties: { error: { required: ['code', 'message'] } },
  });
});

t.test('the generated client types (test/helpers/api-types.ts) match the current OpenAPI document', async (t) => {
  const fresh = await generateApiTypes(await openApiDocument());
  t.equal(await readFile(API_TYPES_PATH, 'utf8'), fresh, 'regenerate with: npx tsx test/helpers/openapi.ts');
});
