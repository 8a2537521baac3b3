import t from 'tap';
import { parseRagConfig } from '../../src/generator/rag-config.js';

t.test('absent fields take facebook/rag-token-nq\'s values; no task is extractive or windowed by default, none abstains', async (t) => {
  const cfg = parseRagConfig({});
  t.same(cfg, {
    nDocs: 5, titleSep: ' / ', docSep: ' // ', maxCombinedLength: 300,
    prefixes: { answer: '', jeopardy: '' }, extractive: { answer: false, jeopardy: false },
    windowWords: { answer: null, jeopardy: null }, minConfidence: 0,
  });
});

t.test('min_confidence is a probability', async (t) => {
  t.equal(parseRagConfig({ min_confidence: 0.35 }).minConfidence, 0.35);
  t.throws(() => parseRagConfig({ min_confidence: 1.2 }), /min_confidence must be a number from 0 to 1/);
  t.throws(() => parseRagConfig({ min_confidence: '0.5' }), /min_confidence must be a number from 0 to 1/);
});

t.test('tasks carry their prefix and whether their output is a span of a passage', async (t) => {
  const cfg = parseRagConfig({ tasks: { answer: { prefix: '', extractive: true }, jeopardy: { prefix: 'jeopardy: ' } } });
  t.same(cfg.prefixes, { answer: '', jeopardy: 'jeopardy: ' });
  t.same(cfg.extractive, { answer: true, jeopardy: false });
  t.throws(() => parseRagConfig({ tasks: { answer: { extractive: 'yes' } } }), /tasks\.answer\.extractive must be true or false/);
  t.throws(() => parseRagConfig({ n_docs: 0 }), /n_docs must be a positive integer/);
});

t.test('a task may narrow each passage to a window of words', async (t) => {
  t.same(parseRagConfig({ tasks: { answer: { window_words: 40 } } }).windowWords, { answer: 40, jeopardy: null });
  t.throws(() => parseRagConfig({ tasks: { answer: { window_words: 0 } } }), /tasks\.answer\.window_words must be a positive integer/);
  t.throws(() => parseRagConfig({ tasks: { jeopardy: { window_words: 2.5 } } }), /tasks\.jeopardy\.window_words must be a positive integer/);
});
