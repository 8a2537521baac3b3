import t from 'tap';
import { mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OFFSETS_FILE, PASSAGES_FILE, PassageStore, PassageStoreWriter } from '../../src/index/passage-store.js';

function tempDir(t: { teardown: (f: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('passages written in order are read back by row, unicode and newlines included', async (t) => {
  const dir = tempDir(t);
  const writer = new PassageStoreWriter(dir);
  const passages = Array.from({ length: 3000 }, (_, i) => ({
    id: `d${i}-p0`, docId: `d${i}`, title: i % 7 === 0 ? 'Zürich "quoted"\n' : `T${i}`, text: `text ${i} 東京 😀`,
  }));
  for (const p of passages) writer.append(p);
  writer.close();
  t.equal(statSync(join(dir, OFFSETS_FILE)).size, 8 * 3001);
  const store = await PassageStore.open(dir);
  t.teardown(() => store.close());
  t.equal(store.size, 3000);
  t.same(await store.getMany([0, 2999, 7, 1500]), [passages[0], passages[2999], passages[7], passages[1500]]);
  await t.rejects(store.get(3000), RangeError);
  await t.rejects(store.get(-1), RangeError);
});

t.test('a passages file that does not match its offsets is refused', async (t) => {
  const dir = tempDir(t);
  const writer = new PassageStoreWriter(dir);
  writer.append({ id: 'a-p0', docId: 'a', title: '', text: 'x' });
  writer.close();
  truncateSync(join(dir, PASSAGES_FILE), 5);
  await t.rejects(PassageStore.open(dir), /has 5 bytes but its offsets end at/);
});
