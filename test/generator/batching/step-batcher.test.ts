/**
 * Cross-request batching over a fake generator whose logits depend on each row's context (its hidden states and
 * mask) and prefix: decodings sharing runs give exactly what they give alone, and runs are shared.
 */
import t from 'tap';
import { StepBatcher, type StepSource } from '../../../src/generator/batching/step-batcher.js';
import { stackContexts } from '../../../src/generator/batching/stacked-contexts.js';
import { decode, type Decoding } from '../../../src/generator/decoding/decode.js';
import type { LogProbs, StepInput } from '../../../src/types/generation.js';
import type { EncodedContexts, GeneratorStep } from '../../../src/onnx/bart-generator.js';
import { testConfig } from '../decoding/config.js';
import { logProbsOf } from '../decoding/log-probs.js';

const VOCAB = 7;
const D_MODEL = 2;

/** K contexts of `length` positions, `real[k]` of them unmasked, tagged by `seed`. */
function contexts(seed: number, length: number, real: number[]): EncodedContexts {
  const count = real.length;
  const hidden = new Float32Array(count * length * D_MODEL);
  const mask = new BigInt64Array(count * length);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < real[k]; i++) {
      mask[k * length + i] = 1n;
      hidden[(k * length + i) * D_MODEL] = seed + k * 0.37 + i * 0.11;
    }
  }
  return { hidden, mask, count, length, dModel: D_MODEL };
}

/** A context's identity as the decoder would see it: its unmasked states only. */
function fingerprint(ctx: EncodedContexts, k: number): number {
  let sum = 0;
  for (let i = 0; i < ctx.length; i++) {
    if (ctx.mask[k * ctx.length + i] === 1n) sum += (i + 1) * ctx.hidden[(k * ctx.length + i) * ctx.dModel];
  }
  return sum;
}

/** A fake generator: per row, logits from its context's fingerprint and the tokens it was fed (rebuilt from parents). */
class FakeSource implements StepSource {
  runs = 0;
  released = 0;
  /** Rows of each run, in order. */
  readonly rowCounts: number[] = [];

  createStep(ctx: EncodedContexts): GeneratorStep {
    let prefixes: number[][] = [];
    let live = true;
    const step = async ({ tokens, parents, contexts: rows }: StepInput): Promise<LogProbs> => {
      if (!live) throw new Error('step after release');
      this.runs++;
      this.rowCounts.push(tokens.length);
      await new Promise((resolve) => setImmediate(resolve));
      prefixes = Array.from(tokens, (tok, r) => (parents[r] < 0 ? [tok] : [...prefixes[parents[r]], tok]));
      const logits = new Float32Array(tokens.length * VOCAB);
      prefixes.forEach((prefix, r) => {
        const f = fingerprint(ctx, rows[r]);
        for (let v = 0; v < VOCAB; v++) {
          const h = Math.sin(f * 12.9898 + prefix.reduce((s, x, i) => s + x * (i + 3.1), 0) * 78.233 + v * 3.7);
          logits[r * VOCAB + v] = 3 * h + (v === 2 ? prefix.length - 3 : 0); // eos grows likelier with length
        }
      });
      return logProbsOf(logits, VOCAB);
    };
    return { step, release: () => { live = false; this.released++; } };
  }
}

const REQUESTS = [
  { ctx: contexts(1, 5, [5, 3, 4]), mode: 'token' as const, numBeams: 1 },
  { ctx: contexts(2, 8, [8, 2]), mode: 'token' as const, numBeams: 3 },
  { ctx: contexts(3, 4, [4, 4, 1, 2]), mode: 'sequence' as const, numBeams: 2 },
  { ctx: contexts(4, 6, [6]), mode: 'token' as const, numBeams: 2 },
];

async function run(source: StepSource, req: (typeof REQUESTS)[number]): Promise<Decoding> {
  const step = source.createStep(req.ctx);
  try {
    const w = Array.from({ length: req.ctx.count }, (_, k) => Math.log((k + 1) / 10));
    return await decode(step.step, w, testConfig({ numBeams: req.numBeams, maxLength: 8 }), { mode: req.mode });
  } finally {
    step.release();
  }
}

t.test('stacking pads each part to the longest and keeps its states and mask', async (t) => {
  const a = contexts(1, 3, [3, 1]);
  const b = contexts(2, 5, [4]);
  const { contexts: s, bases } = stackContexts([a, b]);
  t.same(bases, [0, 2]);
  t.equal(s.count, 3);
  t.equal(s.length, 5);
  t.same([0, 1, 2].map((k) => fingerprint(s, k)), [fingerprint(a, 0), fingerprint(a, 1), fingerprint(b, 0)]);
  t.same(Array.from(s.mask.subarray(0, 5)), [1n, 1n, 1n, 0n, 0n]);
  t.throws(() => stackContexts([a, { ...b, dModel: 3 }]), /hidden sizes/);
});

t.test('concurrent decodings through the batcher equal each decoding alone, in fewer runs', async (t) => {
  const alone = new FakeSource();
  const expected = [];
  for (const req of REQUESTS) expected.push(await run(alone, req));

  const shared = new FakeSource();
  const batcher = new StepBatcher(shared, { windowMs: 20, maxMembers: 8 });
  const got = await Promise.all(REQUESTS.map((req) => run(batcher, req)));
  t.same(got, expected);
  t.ok(shared.runs < alone.runs, `${shared.runs} shared runs < ${alone.runs} alone`);
  // RAG-Sequence's rescoring pass starts a second decoding: a second cohort.
  t.equal(batcher.stats.cohorts, 2);
  t.equal(batcher.stats.members, REQUESTS.length + 1);
  t.equal(shared.released, batcher.stats.cohorts, 'every cohort released its step');
});

t.test('a cohort starts as soon as it is full, and decodings starting later form the next one', async (t) => {
  const source = new FakeSource();
  const batcher = new StepBatcher(source, { windowMs: 60_000, maxMembers: 2 });
  const expected = await Promise.all(REQUESTS.slice(0, 2).map((req) => run(new FakeSource(), req)));
  const started = Date.now();
  t.same(await Promise.all(REQUESTS.slice(0, 2).map((req) => run(batcher, req))), expected);
  t.ok(Date.now() - started < 30_000, 'did not wait for the window');
  t.equal(batcher.stats.cohorts, 1);
});

t.test('a failing run fails every member of its cohort, and the batcher serves the next ones', async (t) => {
  let fail = true;
  const source = new FakeSource();
  const flaky: StepSource = {
    createStep(ctx) {
      const inner = source.createStep(ctx);
      return {
        step: async (input) => {
          if (fail && input.parents.some((p) => p >= 0)) throw new Error('decoder failed');
          return inner.step(input);
        },
        release: inner.release,
      };
    },
  };
  const batcher = new StepBatcher(flaky, { windowMs: 5, maxMembers: 8 });
  const results = await Promise.allSettled(REQUESTS.slice(0, 2).map((req) => run(batcher, req)));
  t.same(results.map((r) => r.status), ['rejected', 'rejected']);
  t.match((results[0] as PromiseRejectedResult).reason, /decoder failed/);
  fail = false;
  t.same(await run(batcher, REQUESTS[1]), await run(new FakeSource(), REQUESTS[1]));
});

t.test('bad steps are refused with the reason, before they reach a cohort', async (t) => {
  const batcher = new StepBatcher(new FakeSource(), { windowMs: 1, maxMembers: 4 });
  const s = batcher.createStep(contexts(1, 2, [2]));
  await t.rejects(s.step({ tokens: Int32Array.of(2), parents: Int32Array.of(0), contexts: Int32Array.of(0) }), /first step/);
  await t.rejects(s.step({ tokens: Int32Array.of(2), parents: Int32Array.of(-1), contexts: Int32Array.of(1) }), /context 1 of 1/);
  await t.rejects(s.step({ tokens: Int32Array.of(2, 2), parents: Int32Array.of(-1, 0), contexts: Int32Array.of(0, 0) }), /mix/);
  s.release();
  t.throws(() => new StepBatcher(new FakeSource(), { windowMs: 1, maxMembers: 0 }), /maxMembers/);
});

/** Drives one member by hand: a first step over its K contexts, then `steps - 1` cached steps; the logits of each. */
async function drive(source: StepSource & { createStep(ctx: EncodedContexts, arrived?: () => void): GeneratorStep }, ctx: EncodedContexts, steps: number, arrived?: () => void): Promise<number[][]> {
  const s = source.createStep(ctx, arrived);
  const k = ctx.count;
  const out: number[][] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const logits = await s.step({
        tokens: new Int32Array(k).fill(i === 0 ? 2 : 3 + i),
        parents: Int32Array.from({ length: k }, (_, r) => (i === 0 ? -1 : r)),
        contexts: Int32Array.from({ length: k }, (_, r) => r),
      });
      out.push(Array.from(logits));
    }
  } finally {
    s.release();
  }
  return out;
}

t.test('without a window, a batch forms from the decodings announced while it forms, and a lone one starts at once', async (t) => {
  const source = new FakeSource();
  const batcher = new StepBatcher(source, { windowMs: 0, maxMembers: 8 });
  const alone = await drive(batcher, REQUESTS[0].ctx, 3);
  t.same(alone, await drive(new FakeSource(), REQUESTS[0].ctx, 3), 'a lone decoding gives what it gives without the batcher');
  t.equal(batcher.stats.cohorts, 1);
  // Three generations announced (still encoding): the first to arrive waits for the other two, not for a timer.
  const tickets = [batcher.expect(), batcher.expect(), batcher.expect()];
  const late = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const got = await Promise.all(REQUESTS.slice(0, 3).map(async (req, i) => { await late(20 * i); return drive(batcher, req.ctx, 3, tickets[i]); }));
  t.same(got, await Promise.all(REQUESTS.slice(0, 3).map((req) => drive(new FakeSource(), req.ctx, 3))), 'each as alone');
  t.equal(batcher.stats.cohorts, 2, 'the three arrivals shared one batch');
  t.equal(batcher.stats.members, 4);
});

t.test('a decoding that ends leaves its rows in the runs as ghosts until they outnumber the live rows', async (t) => {
  const two = contexts(5, 4, [4, 2]);
  const three = contexts(6, 4, [4, 3, 1]);
  for (const [short, long, rows] of [[two, three, [5, 5, 5, 5]], [three, two, [5, 5, 2, 2]]] as const) {
    const source = new FakeSource();
    const batcher = new StepBatcher(source, { windowMs: 0, maxMembers: 8 });
    const [, longLogits] = await Promise.all([drive(batcher, short, 2), drive(batcher, long, 4)]);
    t.same(longLogits, await drive(new FakeSource(), long, 4), 'the longer decoding gives what it gives alone');
    t.same(source.rowCounts, rows, `runs of ${rows.join(', ')} rows`);
  }
});
