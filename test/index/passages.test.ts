import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countPassages, DocumentIds, splitDocument, splitWords } from '../../src/index/passages.js';

const onnxDir = fileURLToPath(new URL('../../onnx/', import.meta.url));

t.test('documents split into passages of at most 100 words with ids {doc_id}-p{n}', async (t) => {
  const words = Array.from({ length: 250 }, (_, i) => `w${i}`);
  const passages = splitDocument({ id: 'd1', title: 'T', text: '  ' + words.join(' \n\t ') + ' ' });
  t.same(passages.map((p) => p.id), ['d1-p0', 'd1-p1', 'd1-p2']);
  t.same(passages.map((p) => p.text.split(' ').length), [100, 100, 50]);
  t.equal(passages[1].text, words.slice(100, 200).join(' '));
  t.ok(passages.every((p) => p.docId === 'd1' && p.title === 'T'));
  t.same(splitDocument({ id: 'e', title: 'x', text: ' \n ' }), [], 'no words, no passage');
  t.equal(countPassages(words.join(' ')), 3);
});

t.test('the split equals the Python toolchain\'s on tricky whitespace', async (t) => {
  // \x1c-\x1f and \x85 split in Python but not in JS's \s; \ufeff is the reverse.
  const text = 'a\x1cb c\x85d e\ufefff g\u00a0h ' + Array.from({ length: 205 }, (_, i) => `x${i}`).join('\u2003');
  const doc = { id: 'doc', title: 'Title', text };
  const script = 'import json, sys\nfrom ragkit.data.passages import split_document\n' +
    'print(json.dumps(split_document(json.loads(sys.stdin.read()))))';
  const python = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { cwd: onnxDir, input: JSON.stringify(doc) })
    .toString()) as { id: string; doc_id: string; title: string; text: string }[];
  const ours = splitDocument(doc);
  t.same(ours.map((p) => ({ id: p.id, doc_id: p.docId, title: p.title, text: p.text })), python);
  t.same(splitWords('a\x1cb\ufeffc'), ['a', 'b\ufeffc']);
});

t.test('documents without id are named doc-{position}, avoiding explicit ids', async (t) => {
  const ids = new DocumentIds();
  const docs = [{ title: 'a', text: 'x' }, { id: 'doc-3', title: 'b', text: 'x' }, { title: 'c', text: 'x' }];
  for (const d of docs) if (d.id) ids.reserve(d.id);
  t.same(docs.map((d) => ids.idFor(d)), ['doc-1', 'doc-3', 'doc-3~2']);
});
