/**
 * The playground page: served from web/playground with a strict content security policy and nothing else of the
 * disk; and, in headless Chromium (Debian's, driven by playwright-core), a question asked with the keyboard shows the
 * service's own answer, its documents, and each answer token coloured as the document its posterior favours.
 */
import t from 'tap';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { postJson, startTestApp } from '../helpers/build-test-app.js';
import { startTinyService, tinyFixtures } from '../helpers/tiny-service.js';

const SCREENSHOTS = join(import.meta.dirname, '../../test-results');

t.test('the page and its files are served, nothing else', async (t) => {
  const { url } = await startTestApp(t);
  const page = await fetch(`${url}/`);
  t.equal(page.status, 200);
  t.match(page.headers.get('content-type'), /^text\/html/);
  t.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  t.match(await page.text(), /<title>RAG playground<\/title>/);
  const script = await fetch(`${url}/playground/playground.js`);
  t.equal(script.status, 200);
  t.match(script.headers.get('content-type'), /^text\/javascript/);
  for (const path of ['/playground/missing.js', '/playground/..%2Fpackage.json', '/playground/%2E%2E%2Fsrc%2Fapp.ts']) {
    const response = await fetch(url + path);
    t.equal(response.status, 404, path);
    t.equal((await response.json()).error.code, 'not_found', path);
  }
  const openapi = await (await fetch(`${url}/docs/json`)).json();
  t.notOk(openapi.paths['/'], 'the page is not part of the API document');
});

/** The background colour the page gives an element, as the browser computed it. */
const background = (page: Page, selector: string) =>
  page.$$eval(selector, (nodes) => nodes.map((n) => getComputedStyle(n).backgroundColor));

t.test('a question asked in a browser shows the answer, its documents and where each token came from', async (t) => {
  const url = await startTinyService(t);
  const fixtures = tinyFixtures();
  const options = { n_docs: fixtures.config.n_docs, num_beams: 1, max_new_tokens: 8 };
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  t.teardown(() => browser.close());
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(msg.text()); });
  await page.goto(url);

  const index = await (await fetch(`${url}/index`)).json();
  await page.getByText(index.version).waitFor();
  t.pass('the index panel shows the serving version');

  const question = fixtures.questions[0].query as string;
  await page.getByText('Options').click();
  for (const [name, value] of Object.entries(options)) await page.fill(`input[name=${name}]`, String(value));
  await page.fill('#query', question);
  await page.press('#query', 'Enter');
  await page.locator('#result').waitFor({ state: 'visible' });

  const api = await postJson(`${url}/answer`, { question, ...options, explain: true });
  t.equal(await page.getAttribute('#answer', 'data-text'), api.json.answer, 'the answer is the service\'s');
  t.same(await page.$$eval('.document strong', (nodes) => nodes.map((n) => n.textContent)),
    api.json.documents.map((d: { title: string }) => d.title), 'the documents in their order');
  const tokens = api.json.tokens as { text: string; doc_weights: number[] }[];
  t.equal(await page.locator('.token').count(), tokens.length, 'one span per generated token');
  const swatches = await background(page, '.swatch');
  const favoured = tokens.map((tok) => tok.doc_weights.indexOf(Math.max(...tok.doc_weights)));
  t.same(await background(page, '.token'), favoured.map((doc) => swatches[doc]), 'each token wears its document\'s colour');
  t.match(await page.locator('.token').first().getAttribute('title'), /^doc 1: [\d.]+%/, 'its numbers on hover');
  t.match(await page.textContent('#confidence'), /^Confidence [\d.]+%$/, 'the answer\'s confidence');

  await page.selectOption('#extractive', 'true');
  await page.press('#query', 'Enter');
  const held = await postJson(`${url}/answer`, { question, ...options, explain: true, extractive: true });
  await page.waitForFunction((text) => document.getElementById('answer')?.dataset.text === text, held.json.answer);
  const marked = held.json.answer_spans.filter((s: { field: string }) => s.field === 'text').length;
  t.equal(await page.locator('.doc-text mark').count(), marked, 'an extractive answer is marked where it stands in the passages');

  await page.getByLabel('Write a Jeopardy clue for an answer').check();
  await page.fill('#query', 'Paris');
  await page.press('#query', 'Enter');
  const clue = await postJson(`${url}/jeopardy`, { answer: 'Paris', ...options });
  await page.waitForFunction((text) => document.getElementById('answer')?.dataset.text === text, clue.json.question);
  t.pass('a Jeopardy clue is the service\'s');

  await page.setViewportSize({ width: 390, height: 844 });
  t.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no sideways scrolling on a phone');
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, 'playground-phone.png'), fullPage: true });
  t.same(problems, [], 'no script errors');
});
