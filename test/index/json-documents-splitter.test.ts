import t from 'tap';
import { ValidationError } from '../../src/errors.js';
import { JsonDocumentsSplitter } from '../../src/index/json-documents-splitter.js';

function split(body: string, chunkSize = 3) {
  const out: Array<{ raw: string; index: number; line: number }> = [];
  const s = new JsonDocumentsSplitter((raw, index, line) => out.push({ raw, index, line }));
  const bytes = Buffer.from(body, 'utf8');
  for (let i = 0; i < bytes.length; i += chunkSize) s.push(bytes.subarray(i, i + chunkSize));
  s.end();
  return out;
}

t.test('splits the documents array into raw elements across chunk boundaries', async (t) => {
  const docs = [{ title: 'a "quoted" }', text: 'x]{' }, { id: 'é', title: 'ü', text: 'multi\\byte ✓' }];
  const body = `{\n "documents": [\n  ${JSON.stringify(docs[0])},\n  ${JSON.stringify(docs[1])}\n ]\n}`;
  for (const size of [1, 2, 3, 7, 1000]) {
    const out = split(body, size);
    t.same(out.map((o) => JSON.parse(o.raw)), docs, `chunk size ${size}`);
    t.same(out.map((o) => [o.index, o.line]), [[1, 3], [2, 4]]);
  }
});

t.test('accepts an empty array (the caller decides that no documents is an error)', async (t) => {
  t.same(split('{"documents": []}'), []);
});

t.test('names the line of a structural error', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['[]', /line 1: the body must be a JSON object/],
    ['{"docs": []}', /line 1: unknown field "docs"/],
    ['{"documents": {}}', /"documents" must be an array/],
    ['{"documents": [\n{"title":"a","text":"b"},\n3]}', /line 3: document 2 must be a JSON object/],
    ['{"documents": [{"title":"a","text":"b"} {"title":"c"}]}', /expected "," or "]" after document 1/],
    ['{"documents": [{"title":"a","text":"b"}', /ended before the JSON object was complete/],
    ['{"documents": []} x', /unexpected content after the JSON object/],
    ['', /the body is empty/],
  ];
  for (const [body, message] of cases) {
    t.throws(() => split(body), message, body);
    t.throws(() => split(body), ValidationError);
  }
});
