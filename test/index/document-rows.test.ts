import t, { type Test } from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexDamageError } from '../../src/index/damage.js';
import { readDocumentRows } from '../../src/index/document-rows.js';
import { PASSAGES_FILE } from '../../src/index/passage-store.js';

function store(t: Test, lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'document-rows-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, PASSAGES_FILE), lines.join('\n') + '\n');
  return dir;
}
const passage = (docId: string) => JSON.stringify({ doc_id: docId, title: docId, text: 'x' });

t.test('each document is its run of rows; a line that is not a passage counts with the run it interrupts', async (t) => {
  const docs = await readDocumentRows(store(t, [passage('a'), passage('a'), '{not json', passage('a'), passage('b'), '',
    passage('c'), passage('c')]));
  t.equal(docs.size, 3);
  t.same(docs.get('a'), { first: 0, count: 4 });
  t.same(docs.get('b'), { first: 4, count: 1 });
  t.same(docs.get('c'), { first: 5, count: 2 }, 'an empty line is no row');
  t.same([...docs.runs()], [{ first: 0, count: 4 }, { first: 4, count: 1 }, { first: 5, count: 2 }]);
});

t.test('a document whose rows are not one run is damage naming it and the row', async (t) => {
  const dir = store(t, [passage('a'), passage('b'), passage('a')]);
  await t.rejects(readDocumentRows(dir), IndexDamageError);
  await t.rejects(readDocumentRows(dir), /document "a" is stored twice \(row 2\)/);
});
