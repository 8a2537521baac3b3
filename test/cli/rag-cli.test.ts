/**
 * The CLI on the toolchain's tiny bundle: build an index with a progress line, ask a question from it, and
 * evaluate a qa.jsonl file. Runs the real command through tsx, as a user would.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');
const BUNDLE = join(ROOT, 'onnx/build/tiny');
const fixtures = JSON.parse(readFileSync(join(BUNDLE, 'fixtures.json'), 'utf8'));

function rag(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/rag.ts'), ...args], { cwd: ROOT, timeout: 120_000 });
}

/** The fixture passages as a corpus file in `dir`. */
async function writeCorpus(dir: string): Promise<string> {
  const corpus = join(dir, 'corpus.jsonl');
  await writeFile(corpus, fixtures.passages.map((p: { id: string; title: string; text: string }) =>
    JSON.stringify({ id: p.id, title: p.title, text: p.text })).join('\n') + '\n');
  return corpus;
}

t.test('rag index build, ask and eval work on a small corpus', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-cli-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const corpus = await writeCorpus(dir);
  const index = join(dir, 'index');

  const built = await rag('index', 'build', corpus, '--out', index, '--model', BUNDLE);
  t.match(built.stdout, new RegExp(`${fixtures.passages.length} documents, ${fixtures.passages.length} passages, IndexFlatIP`));
  t.match(built.stderr, /passages/, 'progress is reported');

  const question = fixtures.questions[0];
  const asked = await rag('ask', question.query, '--model', BUNDLE, '--index', index, '--n-docs', String(fixtures.config.n_docs), '--beams', '1',
    '--max-new-tokens', String(fixtures.config.generation.max_length - 1));
  const [answer, ...sources] = asked.stdout.split('\n');
  t.equal(answer, question.outputs.token_greedy.text.trim(), 'the answer is the reference greedy decoding');
  t.equal(sources.filter((l) => /^ {2}\d\.\d{3} {2}/.test(l)).length, fixtures.config.n_docs, 'one line per source passage');

  const qa = join(dir, 'qa.jsonl');
  await writeFile(qa, JSON.stringify({ question: question.query, answers: [question.outputs.token_greedy.text.trim()],
    doc_id: fixtures.passages[question.top_k[0]].id }) + '\n');
  const evaluated = await rag('eval', qa, '--model', BUNDLE, '--index', index, '--n-docs', String(fixtures.config.n_docs), '--beams', '1',
    '--max-new-tokens', String(fixtures.config.generation.max_length - 1));
  t.match(evaluated.stdout, /recall@1 +1\.000/);
  t.match(evaluated.stdout, /exact match +1\.000/);
  t.notMatch(evaluated.stdout, /^miss/m, 'no misses are listed unless asked');

  await writeFile(qa, [{ question: question.query, answers: ['not the answer'] },
    { question: question.query, answers: ['not the answer'], doc_id: fixtures.passages[question.top_k[0]].id },
    { question: question.query, answers: ['not the answer'], doc_id: 'no-such-document' }].map((q) => JSON.stringify(q)).join('\n'));
  const missed = await rag('eval', qa, '--misses', '--model', BUNDLE, '--index', index, '--n-docs', String(fixtures.config.n_docs),
    '--beams', '1', '--max-new-tokens', String(fixtures.config.generation.max_length - 1));
  t.match(missed.stdout, /exact match +0\.000/);
  const got = `, got ${JSON.stringify(question.outputs.token_greedy.text.trim())}`;
  t.same(missed.stdout.split('\n').filter((l) => l.startsWith('      expected')).map((l) => l.slice(l.indexOf(', got '))),
    [got, `${got} (its document retrieved at rank 1)`, `${got} (its document not retrieved)`],
    'a miss says where its document was retrieved when the question names it');
  t.ok(missed.stdout.includes(`miss  ${question.query}\n      expected ["not the answer"]${got}`),
    'a miss names the question, the expected answers and the output');

  // An index another context encoder embedded (as after a bundle update) is embedded again before answering.
  const stale = readFileSync(join(index, 'current'), 'utf8').trim();
  const manifestPath = join(index, 'versions', stale, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  await writeFile(manifestPath, JSON.stringify({ ...manifest, ctx_encoder_sha256: 'f'.repeat(64) }));
  const reasked = await rag('ask', question.query, '--model', BUNDLE, '--index', index, '--n-docs', String(fixtures.config.n_docs),
    '--beams', '1', '--max-new-tokens', String(fixtures.config.generation.max_length - 1));
  t.match(reasked.stderr, new RegExp(`version ${stale} was embedded by another context encoder`));
  const fresh = readFileSync(join(index, 'current'), 'utf8').trim();
  t.not(fresh, stale, 'a new version serves');
  t.equal(JSON.parse(readFileSync(join(index, 'versions', fresh, 'manifest.json'), 'utf8')).ctx_encoder_sha256,
    manifest.ctx_encoder_sha256, 'embedded by the bundle\'s context encoder');
  t.equal(reasked.stdout.split('\n')[0], question.outputs.token_greedy.text.trim());
});

t.test('rag refuses bad options with a message naming them', async (t) => {
  const stderrOf = (p: Promise<unknown>) => p.then(() => '', (err: { stderr: string }) => err.stderr);
  t.match(await stderrOf(rag('ask', 'q', '--beams', '9')), /--beams must be an integer between 1 and 8/);
  t.match(await stderrOf(rag('frobnicate')), /unknown command "frobnicate"/);
});

t.test('rag index build --index-type builds the kind asked for, and names the kinds when asked for another', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-cli-kind-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const corpus = await writeCorpus(dir);
  const built = await rag('index', 'build', corpus, '--out', join(dir, 'index'), '--model', BUNDLE, '--index-type', 'hnsw');
  t.match(built.stdout, /passages, HNSW/, 'a small corpus built as HNSW because it was asked');
  const refused = await rag('index', 'build', corpus, '--out', join(dir, 'other'), '--model', BUNDLE, '--index-type', 'lsh')
    .then(() => undefined, (err: { stderr: string }) => err);
  t.match(refused?.stderr, /--index-type must be one of auto, flat, hnsw, ivf_pq/, 'an unknown kind is refused, naming the kinds');
});
