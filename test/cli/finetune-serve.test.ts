/**
 * End to end: the service builds an index of a small corpus with the tiny random bundle, which answers none of the
 * questions about it; `rag finetune` trains the bundle's question encoder and generator on those questions for a
 * few steps, reading that index version (`--index`) instead of embedding the corpus again; exact match on the
 * training questions rises; the exported bundle loads in the TypeScript engine, serves the same index version
 * (its context encoder is the source's) and answers the questions it learned through `POST /answer`.
 * Runs the Python toolchain (`npm run fixtures` makes onnx/build/tiny); seeds are fixed.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { exactMatch } from '../../src/eval/answer-metrics.js';
import { postJson } from '../helpers/build-test-app.js';
import { startTinyService, TINY_BUNDLE } from '../helpers/tiny-service.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

const DOCS = [
  ['Zorblat', 'Zorblat is a language that was designed by Ada Kim in the city of Oslo.'],
  ['Quenta', 'Quenta is an editor that was written by Tomas Brek at a lab in Lyon.'],
  ['Vexil', 'Vexil is a protocol that was first used in Cairo by a team led by Ana Ruiz.'],
  ['Plinth', 'Plinth is a database that was made by Ivo Dane for a bank in Riga.'],
  ['Morrow', 'Morrow is a compiler that was built by Lena Park near the port of Kobe.'],
  ['Tessel', 'Tessel is a shell that was created by Omar Said in the town of Bern.'],
];
const QUESTIONS = [
  { question: 'who designed Zorblat?', answers: ['Ada Kim'], doc_id: 'd0' },
  { question: 'who wrote Quenta?', answers: ['Tomas Brek'], doc_id: 'd1' },
  { question: 'where was Vexil first used?', answers: ['Cairo'], doc_id: 'd2' },
  { question: 'who made Plinth?', answers: ['Ivo Dane'], doc_id: 'd3' },
  { question: 'who built Morrow?', answers: ['Lena Park'], doc_id: 'd4' },
  { question: 'where was Tessel created?', answers: ['Bern'], doc_id: 'd5' },
];
// Steps, batch and learning rates that overfit six questions within seconds; one thread, for a shared machine.
const TRAINING = ['--steps=40', '--batch_size=6', '--lr=1e-2', '--question_encoder_lr=1e-3', '--warmup=1',
  '--save_every=20', '--log_every=10', '--seed=1', '--threads=1', '--max_new_tokens=16'];
// Answers are at most 7 tokens: 16 (counted as POST /answer counts, <s> and </s> included) holds them, and keeps the
// untrained bundle's rambling short.
const MAX_NEW = 16;

const ndjson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

/** The service's greedy answers (the toolchain's dev measurement decodes greedily, to the same length) and how many are right. */
async function ask(url: string): Promise<{ answers: string[]; right: number; versions: Set<string> }> {
  const answers: string[] = [];
  const versions = new Set<string>();
  let right = 0;
  for (const q of QUESTIONS) {
    const res = await postJson(`${url}/answer`, { question: q.question, num_beams: 1, max_new_tokens: MAX_NEW });
    if (res.status !== 200) throw new Error(`POST /answer: ${res.status} ${JSON.stringify(res.json)}`);
    answers.push(res.json.answer);
    versions.add(res.json.index_version);
    right += exactMatch(res.json.answer, q.answers);
  }
  return { answers, right, versions };
}

t.test('a bundle fine-tuned on an index version the service built answers its questions through POST /answer', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-finetune-serve-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const corpus = join(dir, 'docs.jsonl');
  const train = join(dir, 'qa.jsonl');
  const indexDir = join(dir, 'index');
  const tuned = join(dir, 'tuned');
  await writeFile(corpus, ndjson(DOCS.map(([title, text], i) => ({ id: `d${i}`, title, text }))));
  await writeFile(train, ndjson(QUESTIONS));

  let version = '';
  let untrained = 0;
  await t.test('the untrained bundle answers none of them', async (t) => {
    const url = await startTinyService(t, { indexDir, corpus });
    version = (await (await fetch(`${url}/index`)).json()).version;
    const before = await ask(url);
    untrained = before.right;
    t.equal(untrained, 0, `answers: ${JSON.stringify(before.answers)}`);
  });

  const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/rag.ts'), 'finetune',
    `--bundle=${TINY_BUNDLE}`, `--index=${join(indexDir, 'versions', version)}`, `--train=${train}`, `--dev=${train}`,
    `--out=${tuned}`, ...TRAINING], { cwd: ROOT, timeout: 240_000 });
  t.match(stdout, /passage vectors read from the index/, 'the index version is read, not embedded again');
  const report = JSON.parse(await readFile(`${tuned}.checkpoints/report.json`, 'utf8'));
  t.ok(report.finished, 'the run finished and exported the bundle');
  t.ok(report.dev_after.exact_match > report.dev_before.exact_match,
    `exact match on the training questions rises: ${report.dev_before.exact_match} -> ${report.dev_after.exact_match}`);

  await t.test('the fine-tuned bundle serves the same index version and answers what it learned', async (t) => {
    const url = await startTinyService(t, { modelDir: tuned, indexDir, corpus });
    const after = await ask(url);
    t.same([...after.versions], [version], 'served from the version it was trained on, not embedded again');
    t.ok(after.right > untrained, `${after.right} of ${QUESTIONS.length} right, against ${untrained} before: ` +
      JSON.stringify(after.answers));
    t.equal(after.right / QUESTIONS.length, report.dev_after.exact_match,
      'the service answers as many right as the toolchain measured');
  });
});
