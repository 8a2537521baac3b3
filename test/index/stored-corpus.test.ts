import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassageStoreWriter } from '../../src/index/passage-store.js';
import { splitDocument } from '../../src/index/passages.js';
import { writeStoredCorpus } from '../../src/index/stored-corpus.js';

t.test('documents recovered from a passage store split again into the very same passages', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'stored-corpus-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Odd spacing in the originals: recovery cannot rely on it.
  const words = (n: number, tag: string) =>
    Array.from({ length: n }, (_, i) => `${tag}${i}`).join(n % 2 === 0 ? '  ' : ' \n ');
  const documents = [
    { id: 'long', title: 'Long "one"', text: words(250, 'w') }, // three passages
    { id: 'short', title: 'Zürich', text: 'a  few\nwords\there' },
    { id: 'exact', title: '', text: words(100, 'x') },
  ];
  const writer = new PassageStoreWriter(dir);
  const passages = documents.flatMap((d) => splitDocument(d));
  for (const p of passages) writer.append(p);
  writer.close();

  const out = join(dir, 'recovered.jsonl');
  t.equal(await writeStoredCorpus(dir, out), 3);
  const recovered = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  t.same(recovered.map((d) => [d.id, d.title]), documents.map((d) => [d.id, d.title]));
  t.same(recovered.flatMap((d) => splitDocument(d)), passages);
  await t.rejects(writeStoredCorpus(dir, out), /EEXIST/, 'never overwrites a file');
});

