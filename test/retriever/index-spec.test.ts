import t from 'tap';
import { chooseKind, indexSpec, kindOf, searchParams } from '../../src/retriever/index-spec.js';

t.test('the kind follows the corpus size: flat, then HNSW, then IVF-PQ', async (t) => {
  const thresholds = { hnsw: 100, ivfPq: 1000 };
  t.equal(chooseKind(99, thresholds), 'flat');
  t.equal(chooseKind(100, thresholds), 'hnsw');
  t.equal(chooseKind(999, thresholds), 'hnsw');
  t.equal(chooseKind(1000, thresholds), 'ivf_pq');
  t.equal(chooseKind(50_000), 'flat', 'defaults: flat below 100k');
  t.equal(chooseKind(2_000_000), 'ivf_pq', 'defaults: IVF-PQ from 1M');
});

t.test('each kind has its factory string and parameters, and the string names the kind back', async (t) => {
  t.same(indexSpec('flat', 10, 768), { kind: 'flat', factory: 'IndexFlatIP', params: {} });
  t.same(indexSpec('hnsw', 10, 768), { kind: 'hnsw', factory: 'HNSW32,Flat', params: { ef_search: 128 } });
  const big = indexSpec('ivf_pq', 1_000_000, 768);
  t.equal(big.factory, 'IVF4096,PQ96x8np');
  t.match(big.params, { nlist: 4096, nprobe: 256, pq_m: 96, pq_bits: 8, rerank: 100 });
  t.ok(big.params.train_rows! >= 39 * 4096 && big.params.train_rows! <= 1_000_000, 'enough training vectors per list');
  for (const kind of ['flat', 'hnsw', 'ivf_pq'] as const) t.equal(kindOf(indexSpec(kind, 5000, 64).factory), kind);
});

t.test('IVF-PQ on a tiny corpus shrinks its lists and codes to what the vectors can train', async (t) => {
  const tiny = indexSpec('ivf_pq', 6, 12);
  t.equal(tiny.factory, 'IVF1,PQ1x2np', 'one list, codebooks of 4 centroids for 6 vectors');
  t.equal(tiny.params.train_rows, 6);
  const odd = indexSpec('ivf_pq', 100_000, 100);
  t.equal(100 % odd.params.pq_m!, 0, 'the sub-quantizers divide the dimension');
});

t.test('the operator\'s search parameters override a build\'s for their kind only, nprobe at most nlist', async (t) => {
  const ivf = indexSpec('ivf_pq', 1_000_000, 768).params;
  t.match(searchParams('ivf_pq', ivf, { nprobe: 128, ef_search: 7 }), { nlist: 4096, nprobe: 128, rerank: 100 });
  t.equal(searchParams('ivf_pq', ivf, { ef_search: 7 }).ef_search, undefined, 'efSearch means nothing to IVF');
  t.equal(searchParams('ivf_pq', ivf, { nprobe: 10_000 }).nprobe, 4096, 'no more lists than there are');
  t.same(searchParams('ivf_pq', ivf, {}), ivf, 'no overrides: the build\'s own');
  t.same(searchParams('hnsw', { ef_search: 128 }, { nprobe: 128, ef_search: 64 }), { ef_search: 64 });
  t.same(searchParams('flat', {}, { nprobe: 128, ef_search: 64 }), {}, 'a flat index has none');
});
