/**
 * The corpus reader as the builder and a document change use it: a corpus file is checked line by line as an
 * upload is (test/http/corpus-upload.test.ts holds the upload's side), with the same messages.
 */
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCorpusFile, readLines } from '../../src/index/corpus.js';

t.test('reading a corpus names the first bad line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.jsonl');
  writeFileSync(good, '{"title":"A","text":"one two"}\n\n{"id":"k","title":"B","text":"three"}\n');
  const read = [];
  for await (const item of readCorpusFile(good)) read.push(item);
  t.same(read.map((r) => r.line), [1, 3]);
  t.same(read[1].doc, { id: 'k', title: 'B', text: 'three' });
  for (const [body, reason] of [
    ['{"title":"A","text":"x"}\n{"title":"B"', /line 2: not valid JSON/],
    ['{"title":"A","text":"x"}\n[1]', /line 2: a document must be a JSON object/],
    ['{"title":3,"text":"x"}', /line 1: "title" is required and must be a string/],
    ['{"id":"","title":"","text":"x"}', /line 1: "id" must be a non-empty string/],
    ['{"id":"x","title":"","text":"y"}\n\n\n{"id":"x","title":"","text":"y"}', /line 4: duplicate id "x" \(first on line 1\)/],
    ['{"title":"A","text":"x","url":"u"}', /line 1: unknown field "url"/],
    ['{"title":"A","text":" \\n "}', /line 1: "text" must not be empty/],
    ['\n \n', /the corpus has no documents/],
  ] as const) {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, body);
    await t.rejects((async () => { for await (const _ of readCorpusFile(bad)); })(), reason);
  }
});

t.test('a file is read line by line across chunk boundaries, multibyte characters included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'corpus-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'lines.txt');
  const long = 'é'.repeat(70_000); // longer than one read chunk (64 KiB), split inside a character's bytes
  writeFileSync(path, `a\n${long}\n\nb`);
  const lines = [];
  for await (const l of readLines(path)) lines.push(l);
  t.same(lines.map((l) => l.line), [1, 2, 3, 4]);
  t.same(lines.map((l) => l.text), ['a', long, '', 'b']);
});
