/**
 * Builds the app for route tests against test doubles, listens on an ephemeral port, and closes on teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { FakeEngine } from './fake-engine.js';
import { FakeIndexManager } from './fake-index-manager.js';

/** The admin token the test app is configured with. */
export const TEST_TOKEN = 'test-admin-token';

/** A running test app and its doubles. */
export interface TestApp {
  app: FastifyInstance;
  url: string;
  config: Config;
  engine: FakeEngine;
  index: FakeIndexManager;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** Starts an app with `env` overrides (environment variable names, as in production) and closes it on teardown. */
export async function startTestApp(t: Teardown, env: Record<string, string> = {}): Promise<TestApp> {
  const indexDir = await mkdtemp(join(tmpdir(), 'rag-http-test-'));
  const config = loadConfig({ RAG_ADMIN_TOKEN: TEST_TOKEN, RAG_INDEX_DIR: indexDir, ...env });
  const engine = new FakeEngine();
  const index = new FakeIndexManager();
  const app = await buildApp({ config, engine, indexManager: index });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  t.teardown(async () => {
    await app.close();
    await rm(indexDir, { recursive: true, force: true });
  });
  return { app, url: `http://127.0.0.1:${port}`, config, engine, index };
}

/** POSTs `body` as JSON and returns status, headers and the parsed body. */
export async function postJson(url: string, body: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

/** Polls `check` every 10 ms until it is true; fails after `timeoutMs` (no fixed sleeps in tests). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The current value of the gauge/counter sample `name` on the app's /metrics. */
export async function metricValue(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}
