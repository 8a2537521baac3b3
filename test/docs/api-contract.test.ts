/**
 * docs/API.md is the contract; the route schemas (which generate the OpenAPI document) are what the server
 * enforces. These tests keep the two in agreement, keep README.md's configuration table and examples in step with
 * the code, and keep every relative link in the repository's documentation pointing at something that exists.
 */
import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { FakeEngine } from '../helpers/fake-engine.js';
import { FakeIndexManager } from '../helpers/fake-index-manager.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const API_MD = 'docs/API.md';

type Schema = Record<string, any>;

/** A route section of API.md: the heading "### `METHOD /path`" and the text up to the next heading. */
interface Section { method: string; path: string; text: string }

/** The route sections of a Markdown text, keyed "METHOD /path" with OpenAPI's `{param}` written `:param`. */
function routeSections(markdown: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  const parts = markdown.split(/^(?=#{1,3} )/m);
  for (const part of parts) {
    const m = /^### `(GET|POST|PUT|DELETE|PATCH) (\/[^`\s]*)`/.exec(part);
    if (m) sections.set(`${m[1]} ${m[2]}`, { method: m[1]!, path: m[2]!, text: part });
  }
  return sections;
}

/** Status codes a section lists under "Responses:" as "- **NNN**". */
function listedStatuses(section: string): string[] {
  return [...section.matchAll(/^- \*\*(\d{3})\*\*/gm)].map((m) => m[1]!).sort();
}

/** Every property name in `schema`, nested objects and array items included, with the property's own schema. */
function properties(schema: Schema | undefined, out: Array<[string, Schema]> = []): Array<[string, Schema]> {
  if (!schema || typeof schema !== 'object') return out;
  for (const [name, sub] of Object.entries<Schema>(schema.properties ?? {})) {
    out.push([name, sub]);
    properties(sub, out);
  }
  if (schema.items) properties(schema.items, out);
  for (const key of ['anyOf', 'oneOf', 'allOf']) for (const sub of schema[key] ?? []) properties(sub, out);
  return out;
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');
const docPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
const named = (text: string, name: string) => text.includes(`\`${name}\``);

/** The app built with its test doubles, and its OpenAPI document (neither depends on the doubles). */
async function appAndDocument(t: Test): Promise<{ app: FastifyInstance; doc: Schema }> {
  const app = await buildApp({ config: loadConfig({}), engine: new FakeEngine(), indexManager: new FakeIndexManager() });
  t.teardown(() => app.close());
  await app.ready();
  return { app, doc: JSON.parse(JSON.stringify(app.swagger())) as Schema };
}

/** Every operation of an OpenAPI document as [key "METHOD /path" in API.md's spelling, operation]. */
function operations(doc: Schema): Array<[string, Schema]> {
  const out: Array<[string, Schema]> = [];
  for (const [path, item] of Object.entries<Schema>(doc.paths)) {
    for (const [method, op] of Object.entries<Schema>(item)) {
      if (['get', 'post', 'put', 'delete', 'patch'].includes(method)) out.push([`${method.toUpperCase()} ${docPath(path)}`, op]);
    }
  }
  return out;
}

/**
 * Differences between a section of API.md and an OpenAPI operation: request and response fields it does not
 * name, bounds and defaults it does not state, status codes that are not the document's. Empty when they agree.
 */
function sectionProblems(key: string, section: string, op: Schema): string[] {
  const problems: string[] = [];
  const request: Array<[string, Schema]> = [];
  for (const media of Object.values<Schema>(op.requestBody?.content ?? {})) properties(media.schema, request);
  for (const param of op.parameters ?? []) request.push([param.name, param.schema ?? {}]);
  for (const [name, schema] of request) {
    if (!named(section, name)) {
      problems.push(`${key}: request field \`${name}\` is not named`);
      continue;
    }
    const lines = section.split('\n').filter((line) => named(line, name));
    const low = schema.minimum ?? schema.minLength;
    const high = schema.maximum ?? schema.maxLength;
    if (low !== undefined && high !== undefined && !lines.some((line) => line.includes(`${low}..${high}`))) {
      problems.push(`${key}: \`${name}\` must be stated as ${low}..${high}`);
    }
    if (schema.default !== undefined && !lines.some((line) => line.includes(`default ${schema.default}`))) {
      problems.push(`${key}: \`${name}\` must state "default ${schema.default}"`);
    }
  }
  const response: Array<[string, Schema]> = [];
  for (const [status, res] of Object.entries<Schema>(op.responses ?? {})) {
    // Error bodies are all ErrorBody, documented once under Conventions.
    if (Number(status) < 400) properties(res.content?.['application/json']?.schema, response);
  }
  for (const [name] of response) {
    if (!named(section, name)) problems.push(`${key}: response field \`${name}\` is not named`);
  }
  const documented = listedStatuses(section);
  const served = Object.keys(op.responses ?? {}).sort();
  if (documented.join() !== served.join()) {
    problems.push(`${key}: statuses listed ${documented.join(', ') || '(none)'}, the schema has ${served.join(', ')}`);
  }
  return [...new Set(problems)];
}

t.test('every route in the OpenAPI document has a section in API.md, and every section a route', async (t) => {
  const { app, doc } = await appAndDocument(t);
  const sections = routeSections(read(API_MD));
  const served = operations(doc).map(([key]) => key);
  t.ok(served.length >= 7, 'the document lists the routes');
  for (const key of served) t.ok(sections.has(key), `${key} has a section in API.md`);
  for (const { method, path } of sections.values()) {
    const key = `${method} ${path}`;
    // Swagger UI's own routes are hidden from the document; they still have to exist.
    const exists = served.includes(key) || app.hasRoute({ method: method as 'GET', url: openApiPath(path) });
    t.ok(exists, `API.md's ${key} is a route of the app`);
  }
});

t.test('each route section names every request and response field, the bounds and the status codes', async (t) => {
  const { doc } = await appAndDocument(t);
  const sections = routeSections(read(API_MD));
  const problems = operations(doc).flatMap(([key, op]) => {
    const section = sections.get(key);
    return section ? sectionProblems(key, section.text, op) : [];
  });
  t.same(problems, [], 'API.md agrees with the route schemas');
});

t.test('the comparison finds a missing field, a wrong bound and a missing status', async (t) => {
  const { doc } = await appAndDocument(t);
  const section = routeSections(read(API_MD)).get('POST /answer')!.text;
  const op = doc.paths['/answer'].post;
  t.same(sectionProblems('POST /answer', section, op), []);
  t.match(sectionProblems('POST /answer', section.replaceAll('`n_docs`', 'n_docs'), op),
    ['POST /answer: request field `n_docs` is not named']);
  t.match(sectionProblems('POST /answer', section.replace('1..50, default 5', '1..40, default 5'), op),
    ['POST /answer: `n_docs` must be stated as 1..50']);
  t.match(sectionProblems('POST /answer', section.replace(/^- \*\*429\*\*.*$/m, ''), op),
    [/statuses listed 200, 400, 413, 415, 500, 503, the schema has 200, 400, 413, 415, 429, 500, 503/]);
  const withField = structuredClone(op);
  withField.requestBody.content['application/json'].schema.properties.temperature = { type: 'number' };
  t.match(sectionProblems('POST /answer', section, withField), ['POST /answer: request field `temperature` is not named']);
});

t.test('API.md names every error code the service sends', async (t) => {
  const api = read(API_MD);
  const sources = ['src/errors.ts', ...readdirSync(join(ROOT, 'src/http')).map((f) => `src/http/${f}`)];
  const codes = new Set<string>();
  for (const file of sources) {
    for (const line of read(file).split('\n')) {
      if (!/super\(|send\(reply, \d{3}|code: '/.test(line) || /\b499\b/.test(line)) continue;
      for (const m of line.matchAll(/'([a-z]+(?:_[a-z]+)*)'/g)) codes.add(m[1]!);
    }
  }
  t.ok(codes.has('index_damaged') && codes.has('insufficient_storage'), 'the codes are found in the sources');
  for (const code of codes) t.ok(named(api, code), `\`${code}\` is in API.md`);
});

t.test('README.md documents every environment variable in its configuration table, and only those', async (t) => {
  const source = read('src/config.ts');
  const read_ = new Set([...source.matchAll(/(?:Var(?:<\w+>)?\(env, |env\.)'?([A-Z][A-Z_]+)'?/g)].map((m) => m[1]!));
  t.ok(read_.has('RAG_MODEL_DIR') && read_.has('RAG_ADMIN_TOKEN') && read_.has('PORT'), 'the variables are found');
  const readme = read('README.md');
  const table = readme.slice(readme.indexOf('## Configuration'));
  const rows = new Set([...table.matchAll(/^\| `([A-Z_]+)`(?: \/ `([A-Z_]+)`)?/gm)].flatMap((m) => m.slice(1).filter(Boolean)));
  for (const name of read_) t.ok(rows.has(name), `${name} has a row`);
  for (const name of rows) t.ok(read_.has(name), `${name} is read by src/config.ts`);
  t.ok(read(API_MD).includes('](../README.md#configuration)'), 'API.md links to the table');
});

t.test('README.md has one curl example for every route', async (t) => {
  const { doc } = await appAndDocument(t);
  const curls = read('README.md').split('\n').filter((line) => /^curl /.test(line));
  for (const key of [...operations(doc).map(([k]) => k), 'GET /docs', 'GET /docs/json']) {
    const [method, path] = key.split(' ') as [string, string];
    const url = new RegExp(`localhost:8080${path.replace(/:\w+/g, '[A-Za-z0-9_$-]+')}(?:[?'" ]|$)`);
    const found = curls.filter((line) => url.test(line) && (method === 'GET'
      ? !/ -X | -d /.test(line) : method === 'POST' ? (/ -d /.test(line) && !/ -X /.test(line)) || line.includes(' -X POST ')
        : line.includes(` -X ${method} `)));
    t.ok(found.length >= 1, `${key} has an example`);
  }
});

t.test("the README's test command is the one CI runs", async (t) => {
  const ci = read('.ci/run').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
  const command = ci.at(-1)!.trim();
  t.equal(command, 'npm test');
  t.match(read('README.md'), new RegExp(`^${command}\\b`, 'm'), 'README.md gives it at the start of a line');
});

/** Markdown files of the repository (tracked or not), outside dependencies and build output. */
function markdownFiles(dir = ROOT): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (['node_modules', 'build', '.git', '.tap', 'dist'].includes(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory() && !entry.isSymbolicLink()) out.push(...markdownFiles(path));
    else if (entry.isFile() && entry.name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation other than "-" and "_" dropped, spaces as "-". */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

t.test('relative links in the documentation point to files and headings that exist', async (t) => {
  const files = markdownFiles();
  t.ok(files.some((f) => f.endsWith('/README.md')) && files.some((f) => f.endsWith('docs/API.md')));
  for (const file of files) {
    const text = readFileSync(file, 'utf8').replace(/^```[\s\S]*?^```/gm, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const link = m[1]!;
      if (/^[a-z]+:/i.test(link)) continue;
      const [path, hash] = link.split('#') as [string, string | undefined];
      const target = path ? resolve(dirname(file), path) : file;
      const where = `${file.slice(ROOT.length)}: ${link}`;
      if (!existsSync(target)) {
        t.fail(`${where} points to a missing file`);
        continue;
      }
      if (hash && target.endsWith('.md')) {
        const headings = [...readFileSync(target, 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((h) => anchor(h[1]!));
        t.ok(headings.includes(hash), `${where}: the heading exists`);
      }
    }
  }
});

t.test('nothing in the repository refers to the shared folder outside it', async (t) => {
  let tracked: string[];
  try {
    tracked = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  } catch {
    t.pass('not a git checkout: no tracked files to read');
    return;
  }
  const outside = new RegExp(['\\.\\./shared', '/work' + '/shared'].join('|')); // split: this file is tracked too
  const offenders = tracked.filter((path) => {
    if (!existsSync(join(ROOT, path)) || /\.(onnx|bin|faiss|png|gz)$/.test(path)) return false;
    return outside.test(readFileSync(join(ROOT, path), 'utf8'));
  });
  t.same(offenders, [], 'the contract and every reference live inside the repository');
});
