// Latency of a bundle's graphs against another's (float32 against int8) through onnxruntime-node, with the
// service's session options (graphOptimizationLevel 'all'), runs interleaved so that load from other jobs hits both.
//
// Usage: node onnx/tools/int8-latency.mjs BUNDLE_A BUNDLE_B [--rows=5] [--beams=4] [--context=128] [--past=8]
//        [--repeats=10] [--threads=1]
// Measures, medians in ms: the question encoder (1 question of 16 tokens), the generator's encoder (rows x context
// tokens: K retrieved documents joined with the question), the decoder's first step (no-past branch: it also
// projects the encoder states into every layer's cross-attention keys and values) and a cached step (with-past
// branch, `past` tokens decoded) for rows and for rows x beams (beam search).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import ort from 'onnxruntime-node';

const opts = { rows: 5, beams: 4, context: 128, past: 8, repeats: 10, threads: 1 };
const bundles = [];
for (const arg of process.argv.slice(2)) {
  const m = /^--(\w+)=(\d+)$/.exec(arg);
  if (m && m[1] in opts) opts[m[1]] = Number(m[2]);
  else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}; known: ${Object.keys(opts).join(', ')}`);
  else bundles.push(arg);
}
if (bundles.length !== 2) throw new Error('usage: node int8-latency.mjs BUNDLE_A BUNDLE_B [--key=value ...]');

const int64 = (dims, fill) => new ort.Tensor('int64', BigInt64Array.from({ length: dims.reduce((a, b) => a * b, 1) }, fill), dims);
const float = (dims) => new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5), dims);
const ids = (dims, vocab) => int64(dims, (_, i) => BigInt(5 + ((i * 7919) % (Math.min(vocab, 8000) - 5))));

/** The feeds of each measurement for a bundle's configs (the same shapes for both bundles). */
function feeds(dir) {
  const cfg = JSON.parse(readFileSync(join(dir, 'generator', 'config.json'), 'utf8'));
  const q = JSON.parse(readFileSync(join(dir, 'question_encoder', 'config.json'), 'utf8'));
  const heads = cfg.decoder_attention_heads;
  const headDim = cfg.d_model / heads;
  const step = (rows, past) => {
    const f = {
      input_ids: ids([rows, 1], cfg.vocab_size), encoder_attention_mask: int64([rows, opts.context], () => 1n),
      encoder_hidden_states: float([rows, opts.context, cfg.d_model]), use_cache_branch: new ort.Tensor('bool', [past > 0], [1]),
    };
    for (let i = 0; i < cfg.decoder_layers; i++) {
      for (const kv of ['key', 'value']) {
        f[`past_key_values.${i}.decoder.${kv}`] = float([rows, heads, past, headDim]);
        f[`past_key_values.${i}.encoder.${kv}`] = float([rows, heads, past > 0 ? opts.context : 0, headDim]);
      }
    }
    return f;
  };
  const question = ids([1, 16], q.vocab_size);
  return {
    question_encoder: { graph: 'question_encoder/model.onnx',
      feeds: { input_ids: question, attention_mask: int64([1, 16], () => 1n), token_type_ids: int64([1, 16], () => 0n) } },
    encoder: { graph: 'generator/onnx/encoder_model.onnx',
      feeds: { input_ids: ids([opts.rows, opts.context], cfg.vocab_size), attention_mask: int64([opts.rows, opts.context], () => 1n) } },
    first_step: { graph: 'generator/onnx/decoder_model_merged.onnx', feeds: step(opts.rows, 0) },
    cached_step: { graph: 'generator/onnx/decoder_model_merged.onnx', feeds: step(opts.rows, opts.past) },
    cached_step_beams: { graph: 'generator/onnx/decoder_model_merged.onnx', feeds: step(opts.rows * opts.beams, opts.past) },
  };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const options = { executionProviders: ['cpu'], graphOptimizationLevel: 'all', intraOpNumThreads: opts.threads };
const sessions = new Map();
const session = async (path) => {
  if (!sessions.has(path)) sessions.set(path, await ort.InferenceSession.create(path, options));
  return sessions.get(path);
};

const cases = feeds(bundles[0]);
const results = {};
for (const [name, { graph, feeds: f }] of Object.entries(cases)) {
  const pair = await Promise.all(bundles.map((b) => session(join(b, graph))));
  for (const s of pair) for (let w = 0; w < 2; w++) await s.run(f);
  const times = [[], []];
  for (let r = 0; r < opts.repeats; r++) {
    for (const [i, s] of pair.entries()) {
      const started = performance.now();
      await s.run(f);
      times[i].push(performance.now() - started);
    }
  }
  results[name] = times.map(median);
  console.error(`${name}: ${results[name].map((t) => t.toFixed(2)).join(' ms, ')} ms`);
}
console.log(JSON.stringify({ bundles, options: opts, median_ms: results }));
for (const s of sessions.values()) await s.release();
