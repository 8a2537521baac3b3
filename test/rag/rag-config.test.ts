import t from 'tap';
import { parseRagConfig } from '../../src/rag/rag-config.js';

t.test('absent fields take facebook/rag-token-nq\'s values; no task is extractive by default', async (t) => {
  const cfg = parseRagConfig({});
  t.same(cfg, {
    nDocs: 5, titleSep: ' / ', docSep: ' // ', maxCombinedLength: 300,
    prefixes: { answer: '', jeopardy: '' }, extractive: { answer: false, jeopardy: false },
  });
});

t.test('tasks carry their prefix and whether their output is a span of a passage', async (t) => {
  const cfg = parseRagConfig({ tasks: { answer: { prefix: '', extractive: true }, jeopardy: { prefix: 'jeopardy: ' } } });
  t.same(cfg.prefixes, { answer: '', jeopardy: 'jeopardy: ' });
  t.same(cfg.extractive, { answer: true, jeopardy: false });
  t.throws(() => parseRagConfig({ tasks: { answer: { extractive: 'yes' } } }), /tasks\.answer\.extractive must be true or false/);
  t.throws(() => parseRagConfig({ n_docs: 0 }), /n_docs must be a positive integer/);
});
