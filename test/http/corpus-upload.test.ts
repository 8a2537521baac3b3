import t, { type Test } from 'tap';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PayloadTooLargeError, ValidationError } from '../../src/errors.js';
import { receiveCorpus } from '../../src/http/corpus-upload.js';
import type { CorpusFormat } from '../../src/index/corpus.js';

async function receive(t: Test, body: string, format: CorpusFormat, maxBytes = 1 << 20) {
  const dir = await mkdtemp(join(tmpdir(), 'corpus-upload-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // Small chunks so that lines and elements straddle chunk boundaries.
  const bytes = Buffer.from(body);
  const chunks = Array.from({ length: Math.ceil(bytes.length / 5) }, (_, i) => bytes.subarray(i * 5, i * 5 + 5));
  try {
    const got = await receiveCorpus({ body: Readable.from(chunks), format, maxBytes, dir });
    return { got, dir, lines: (await readFile(got.path, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
  } catch (err) {
    t.same(await readdir(dir), [], 'a failed upload leaves no file');
    throw err;
  }
}

t.test('NDJSON: writes one normalized document per line, skipping blank lines', async (t) => {
  const body = '{"id":"a","title":"A","text":"alpha"}\r\n\n{"title":"B","text":"beta"}';
  const { got, lines } = await receive(t, body, 'ndjson');
  t.equal(got.documents, 2);
  t.equal(got.bytes, Buffer.byteLength(body));
  t.same(lines, [{ id: 'a', title: 'A', text: 'alpha' }, { title: 'B', text: 'beta' }]);
});

t.test('JSON {"documents": [...]} gives the same file as NDJSON', async (t) => {
  const docs = [{ id: 'a', title: 'A', text: 'alpha' }, { title: 'B', text: 'beta ✓' }];
  const { lines } = await receive(t, JSON.stringify({ documents: docs }, null, 2), 'json');
  t.same(lines, docs);
});

t.test('NDJSON: the first bad line is named, 1-based, with the reason', async (t) => {
  const ok = '{"title":"A","text":"a"}';
  const cases: Array<[string, RegExp]> = [
    [`${ok}\n${ok}\n{"title":"x"}`, /^line 3: "text" is required/],
    [`${ok}\nnot json\n{"title":"x"}`, /^line 2: not valid JSON/],
    [`${ok}\n[1]`, /^line 2: a document must be a JSON object/],
    [`{"title":"A","text":"a","url":"u"}`, /^line 1: unknown field "url"/],
    [`{"title":3,"text":"a"}`, /^line 1: "title" is required and must be a string/],
    [`{"title":"A","text":"  "}`, /^line 1: "text" must not be empty/],
    [`{"id":"","title":"A","text":"a"}`, /^line 1: "id" must be a non-empty string/],
    [`{"id":"x","title":"A","text":"a"}\n\n{"id":"x","title":"B","text":"b"}`, /^line 3: duplicate id "x" \(first on line 1\)/],
    ['\n\n', /the corpus has no documents/],
  ];
  for (const [body, message] of cases) {
    const err = await receive(t, body, 'ndjson').catch((e) => e);
    t.ok(err instanceof ValidationError, body);
    t.match(err.message, message, body);
  }
});

t.test('JSON: a bad element is named by its line and position', async (t) => {
  const body = '{"documents": [\n{"title":"A","text":"a"},\n{"title":"B"}\n]}';
  const err = await receive(t, body, 'json').catch((e) => e);
  t.match(err.message, /^line 3 \(document 2\): "text" is required/);
});

t.test('an upload over maxBytes is refused with 413 and leaves no file', async (t) => {
  const line = '{"title":"A","text":"aaaaaaaaaa"}\n';
  const err = await receive(t, line.repeat(10), 'ndjson', line.length * 3).catch((e) => e);
  t.ok(err instanceof PayloadTooLargeError);
  t.equal(err.statusCode, 413);
});
