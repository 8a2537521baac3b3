/**
 * What a cached decoder step costs when it fetches every present (the cross-attention keys and values included,
 * which the cached branch only passes through) against fetching the logits and the self-attention presents alone
 * and keeping the first step's cross-attention tensors (what src/onnx/bart-generator.ts does). The bundle's merged
 * decoder is called directly: per row count, a first step (not timed), then `steps` cached steps feeding each
 * step's presents back, one token per row, contexts of `length` tokens; the two fetch lists alternate over
 * `repeats` rounds. CPU time is the process's (garbage collection of the copies included), per cached step.
 *
 *     npx tsx bench/decoder-fetches.ts [--bundle=demo] [--rows=20,80,160] [--length=150] [--steps=5] [--repeats=5]
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cacheLayout, type CacheEntry } from '../src/onnx/kv-cache.js';
import { createSession, int64Tensor, ort } from '../src/onnx/session.js';
import { bundleDir } from './bench-index.js';
import { fixedLengthContexts } from './fixed-contexts.js';
import { parseOptions } from './options.js';
import { describeMachine } from './report.js';
import { formatTable, ms, ratio, summarize } from './stats.js';

/** Documented defaults; each can be overridden by `--key=value`. */
const defaults = {
  bundle: 'demo', // a name from bench/bench-index.ts or a bundle folder
  rows: '20,80,160', // decoder rows per step: 5 documents x 4 beams per request, for 1, 4 and 8 requests
  length: 150, // tokens per context
  steps: 5, // cached steps timed after each first step
  repeats: 5, // rounds; each runs both fetch lists, in alternating order
};
/** Distinct contexts; row r attends to context r mod CONTEXTS (a request's 5 documents). */
const CONTEXTS = 5;
const FETCHES = ['every present', 'logits + self-attention presents'] as const;
type Fetch = typeof FETCHES[number];

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

/** The rows' encoder states and mask: context r mod CONTEXTS for row r. */
function rowInputs(hidden: ort.Tensor, rows: number): { states: ort.Tensor; mask: ort.Tensor } {
  const [count, length, dModel] = hidden.dims;
  const src = hidden.data as Float32Array;
  const states = new Float32Array(rows * length * dModel);
  for (let r = 0; r < rows; r++) states.set(src.subarray((r % count) * length * dModel, ((r % count) + 1) * length * dModel), r * length * dModel);
  return {
    states: new ort.Tensor('float32', states, [rows, length, dModel]),
    mask: new ort.Tensor('int64', new BigInt64Array(rows * length).fill(1n), [rows, length]),
  };
}

/** One first step and `steps` cached ones with fetch list `fetch`: CPU and wall ms per cached step. */
async function decodeOnce(
  decoder: ort.InferenceSession, cache: CacheEntry[], inputs: { states: ort.Tensor; mask: ort.Tensor }, rows: number,
  steps: number, fetch: Fetch,
): Promise<{ cpu: number; wall: number }> {
  const dModel = inputs.states.dims[2];
  const bool = (v: boolean) => new ort.Tensor('bool', Uint8Array.from([v ? 1 : 0]), [1]);
  const tokens = (id: number) => int64Tensor(new Array<number>(rows).fill(id), [rows, 1]);
  const empty = Object.fromEntries(cache.map((e) => [e.past, new ort.Tensor('float32', new Float32Array(0), [rows, e.heads, 0, e.headDim])]));
  let past = await decoder.run({
    input_ids: tokens(2), encoder_attention_mask: inputs.mask, encoder_hidden_states: inputs.states, ...empty, use_cache_branch: bool(false),
  });
  const crossAttention = new Map(cache.filter((e) => e.kind === 'encoder').map((e) => [e.past, past[e.present]]));
  const fetches = fetch === 'every present'
    ? ['logits', ...cache.map((e) => e.present)]
    : ['logits', ...cache.filter((e) => e.kind === 'decoder').map((e) => e.present)];
  const kept = new Set(crossAttention.values());
  const noStates = new ort.Tensor('float32', new Float32Array(0), [rows, 0, dModel]);
  const cpu0 = cpuMs();
  const wall0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const feeds: Record<string, ort.Tensor> = {
      input_ids: tokens(100 + s), encoder_attention_mask: inputs.mask, encoder_hidden_states: noStates, use_cache_branch: bool(true),
    };
    for (const e of cache) feeds[e.past] = past[e.present] ?? crossAttention.get(e.past)!;
    const out = await decoder.run(feeds, fetches);
    // The previous step's tensors are spent, except the first step's cross-attention ones, still fed.
    for (const t of Object.values(past)) if (!kept.has(t)) t.dispose();
    past = out;
  }
  const result = { cpu: (cpuMs() - cpu0) / steps, wall: (performance.now() - wall0) / steps };
  for (const t of new Set([...Object.values(past), ...kept])) t.dispose();
  return result;
}

const args = parseOptions(process.argv.slice(2), defaults);
const rowCounts = args.rows.split(',').map(Number);
if (!rowCounts.every((r) => Number.isInteger(r) && r >= 1)) throw new Error(`--rows must be positive integers, got ${args.rows}`);
console.log(describeMachine());
const bundle = bundleDir(args.bundle);
const generatorDir = join(bundle.dir, 'generator');
const [encoder, decoder] = await Promise.all(['encoder_model.onnx', 'decoder_model_merged.onnx']
  .map(async (file) => (await createSession(join(generatorDir, 'onnx', file), { intraOpThreads: 1 })).session));
const cache = cacheLayout(decoder);
const ids = await fixedLengthContexts(generatorDir, CONTEXTS, args.length);
const encoded = await encoder.run({
  input_ids: int64Tensor(ids.flat(), [CONTEXTS, args.length]),
  attention_mask: int64Tensor(new Array<number>(CONTEXTS * args.length).fill(1), [CONTEXTS, args.length]),
});
const tableRows: string[][] = [];
for (const rows of rowCounts) {
  const inputs = rowInputs(encoded.last_hidden_state, rows);
  await decodeOnce(decoder, cache, inputs, rows, args.steps, FETCHES[0]); // warm-up: onnxruntime's arenas for this shape
  const samples: Record<Fetch, { cpu: number[]; wall: number[] }> = { 'every present': { cpu: [], wall: [] }, 'logits + self-attention presents': { cpu: [], wall: [] } };
  for (let r = 0; r < args.repeats; r++) {
    for (const fetch of r % 2 === 0 ? FETCHES : [...FETCHES].reverse()) {
      const { cpu, wall } = await decodeOnce(decoder, cache, inputs, rows, args.steps, fetch);
      samples[fetch].cpu.push(cpu);
      samples[fetch].wall.push(wall);
    }
  }
  const [all, some] = FETCHES.map((f) => ({ cpu: summarize(samples[f].cpu).median, wall: summarize(samples[f].wall).median }));
  tableRows.push([String(rows), ms(all.cpu), ms(some.cpu), ratio(all.cpu, some.cpu), ms(all.wall), ms(some.wall)]);
  console.error(`${rows} rows done`);
}
console.log(formatTable(`${bundle.name}: ms per cached decoder step, ${args.steps} steps over ${args.length}-token contexts, ` +
  `median of ${args.repeats} alternating repeats, one onnxruntime thread`,
['rows', `CPU, fetching ${FETCHES[0]}`, `CPU, fetching ${FETCHES[1]}`, 'CPU ratio', `wall, ${FETCHES[0]}`, `wall, ${FETCHES[1]}`], tableRows));
console.log(describeMachine().split('\n')[0]);
await Promise.all([encoder.release(), decoder.release()]);
