import t from 'tap';
import { DocumentTable } from '../../src/index/document-table.js';

t.test('finds every document it was given, and no other, through many growths', async (t) => {
  const table = new DocumentTable();
  const want = new Map<string, { first: number; count: number }>();
  let row = 0;
  let refused = 0;
  for (let i = 0; i < 20_000; i++) {
    const id = i % 7 === 0 ? `döc-${i}-€` : `doc-${i}`; // multi-byte UTF-8 ids too
    const count = 1 + (i % 3);
    if (!table.add(id, row, count)) refused++;
    want.set(id, { first: row, count });
    row += count;
  }
  t.equal(refused, 0, 'every new id is taken');
  t.equal(table.size, want.size);
  let wrong = 0;
  for (const [id, rows] of want) {
    const got = table.get(id);
    if (!got || got.first !== rows.first || got.count !== rows.count || !table.has(id)) wrong++;
  }
  t.equal(wrong, 0, 'every id gives its own run');
  for (const missing of ['doc-20000', 'doc-', 'döc-1-€', '', 'DOC-1']) t.notOk(table.has(missing), `"${missing}" is not there`);
  t.same([...table.runs()], [...want.values()], 'runs come in the order they were added');
});

t.test('ids that differ only in their last byte, or are prefixes of each other, stay apart', async (t) => {
  const table = new DocumentTable();
  const ids = ['a', 'ab', 'abc', 'abd', 'abc ', 'a'.repeat(1000), `${'a'.repeat(999)}b`];
  ids.forEach((id, i) => table.add(id, i * 10, 1));
  ids.forEach((id, i) => t.same(table.get(id), { first: i * 10, count: 1 }, JSON.stringify(id.slice(0, 12))));
});

t.test('an id added twice is refused and keeps its first run', async (t) => {
  const table = new DocumentTable();
  t.equal(table.add('x', 0, 2), true);
  t.equal(table.add('x', 5, 1), false);
  t.equal(table.size, 1);
  t.same(table.get('x'), { first: 0, count: 2 }, 'the first run is kept');
});
