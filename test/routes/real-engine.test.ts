/**
 * The HTTP service over the real engine and index manager on the toolchain's tiny bundle (`npm run fixtures` makes
 * onnx/build/tiny): answers over HTTP equal the PyTorch reference decodings, streaming adds up to the answer, and
 * PUT /index builds and swaps a real FAISS index while the old one keeps serving bad uploads away.
 */
import t from 'tap';
import { postJson, TEST_TOKEN } from '../helpers/build-test-app.js';
import { startTinyService, tinyFixtures } from '../helpers/tiny-service.js';

const fixtures = tinyFixtures();
const K: number = fixtures.config.n_docs;
const MAX_NEW = fixtures.config.generation.max_length - 1;

interface Case { query: string; top_k: number[]; outputs: Record<string, { text: string }> }

t.test('the service over the real engine on the tiny bundle', async (t) => {
  const url = await startTinyService(t);
  t.equal((await fetch(`${url}/readyz`)).status, 200);
  const first = (fixtures.questions as Case[])[0]!;
  const greedy = await postJson(`${url}/answer`, { question: first.query, n_docs: K, num_beams: 1, max_new_tokens: MAX_NEW });
  t.equal(greedy.status, 200);
  t.equal(greedy.json.answer, first.outputs.token_greedy!.text.trim(), 'RAG-Token greedy equals the reference');
  t.same(greedy.json.documents.map((d: { doc_id: string }) => d.doc_id),
    first.top_k.map((i) => fixtures.passages[i].id), 'retrieval equals the reference (each passage uploaded as a document)');

  const seq = await postJson(`${url}/answer`, {
    question: first.query, n_docs: K, mode: 'sequence', num_beams: fixtures.config.generation.num_beams, max_new_tokens: MAX_NEW,
  });
  t.equal(seq.json.answer, first.outputs.sequence_thorough!.text.trim(), 'RAG-Sequence equals the reference');

  const held = await postJson(`${url}/answer`, {
    question: first.query, n_docs: K, num_beams: fixtures.config.generation.num_beams, max_new_tokens: MAX_NEW, extractive: true,
  });
  t.equal(held.json.answer, first.outputs.token_beam_extractive!.text.trim(), 'an extractive answer equals the reference');

  const clueCase = (fixtures.jeopardy as Case[])[0]!;
  const clue = await postJson(`${url}/jeopardy`, {
    answer: clueCase.query, n_docs: K, num_beams: fixtures.config.generation.num_beams, max_new_tokens: MAX_NEW,
  });
  t.equal(clue.json.question, clueCase.outputs.token_beam!.text.trim(), 'the Jeopardy clue equals the reference');

  const streamed = await fetch(`${url}/answer`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ question: first.query, n_docs: K, max_new_tokens: MAX_NEW, stream: true }),
  });
  const frames = (await streamed.text()).split('\n\n').filter(Boolean);
  const tokens = frames.filter((f) => f.startsWith('event: token')).map((f) => JSON.parse(f.split('data: ')[1]!).text);
  const done = JSON.parse(frames.at(-1)!.split('data: ')[1]!);
  t.ok(tokens.length > 0, 'tokens were streamed');
  t.equal(tokens.join('').trim(), done.answer, 'the streamed tokens add up to the answer');
  t.equal(done.answer, greedy.json.answer, 'streaming decodes greedily');

  const before = await (await fetch(`${url}/index`)).json();
  t.match(before, { documents: fixtures.passages.length, passages: fixtures.passages.length, index_type: 'IndexFlatIP', device: 'cpu' });
  const put = (body: string, query = '') => fetch(`${url}/index${query}`, {
    method: 'PUT', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/x-ndjson' }, body,
  });
  const bad = await put('{"id":"x","title":"X","text":"electron Paris"}\n{"title":"no text"}\n');
  t.equal(bad.status, 400);
  t.equal((await (await fetch(`${url}/index`)).json()).version, before.version, 'a bad upload leaves the index');

  const swapped = await put(
    '{"id":"curie","title":"Marie Curie","text":"Curie worked on radioactivity in Paris."}\n'
    + '{"id":"einstein","title":"Einstein","text":"Einstein wrote about relativity in Berlin."}\n', '?wait=true');
  t.equal(swapped.status, 200);
  const after = await swapped.json();
  t.not(after.version, before.version);
  t.match(after, { documents: 2, passages: 2 });
  const answer = await postJson(`${url}/answer`, { question: 'who worked in Paris?', n_docs: 2, max_new_tokens: 4 });
  t.equal(answer.json.index_version, after.version, 'requests are served by the new version');
  t.same(answer.json.documents.map((d: { doc_id: string }) => d.doc_id).sort(), ['curie', 'einstein']);
});
