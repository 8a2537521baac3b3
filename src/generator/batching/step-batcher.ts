/**
 * Cross-request batching: the decodings of concurrent requests share decoder runs (text-generation-inference's
 * idea), within what the exported BART decoder allows. Its key/value cache has one past length for all rows, so
 * only decodings that started together can share a run. Decodings that start within `windowMs` of each other form
 * a cohort: their contexts are stacked (stacked-contexts.ts) and the cohort steps in lockstep, each decoder run
 * waiting until every member has asked for its next rows, then serving them all with one call. A member leaves
 * when its decoding ends; one that starts a new decoding (RAG-Sequence's rescoring pass) joins the next cohort.
 * To the decoding code a member is an ordinary step callback: decoding stays a pure function of rows and `step`.
 */
import type { EncodedContexts, GeneratorStep } from '../../onnx/bart-generator.js';
import type { StepInput } from '../../types/generation.js';
import { stackContexts } from './stacked-contexts.js';

/** What the batcher drives: the generator's cached step over a set of contexts. */
export interface StepSource {
  createStep(contexts: EncodedContexts): GeneratorStep;
}

/** How cohorts form. */
export interface BatchingOptions {
  /** How long a new cohort waits for more decodings before its first run. */
  windowMs: number;
  /** A cohort starts at once when it has this many members. */
  maxMembers: number;
}

/** Counts a batcher keeps for metrics and benchmarks. */
export interface BatchingStats {
  /** Decoder runs made. */
  runs: number;
  /** Rows over all runs (rows / runs is the mean batch). */
  rows: number;
  /** Cohorts started, and members over all of them. */
  cohorts: number;
  members: number;
}

/** Hands out step callbacks whose runs are shared with concurrent decodings; see the module comment. */
export class StepBatcher {
  readonly stats: BatchingStats = { runs: 0, rows: 0, cohorts: 0, members: 0 };
  private forming: Cohort | null = null;
  private formingTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly source: StepSource, private readonly opts: BatchingOptions) {
    if (!(opts.windowMs >= 0) || !(opts.maxMembers >= 1)) throw new Error('windowMs must be >= 0 and maxMembers >= 1');
  }

  /** A step callback over `contexts`, as `BartGenerator.createStep` gives, whose runs may include other requests. */
  createStep(contexts: EncodedContexts): GeneratorStep {
    const member = new Member(this, contexts);
    return { step: (input) => member.step(input), release: () => member.leave() };
  }

  /** Adds a decoding's first step to the forming cohort, opening one when none is. */
  join(member: Member, input: StepInput): Promise<Float32Array> {
    let cohort = this.forming;
    if (!cohort) {
      const opened = (cohort = this.forming = new Cohort(this.source, this.stats));
      this.formingTimer = setTimeout(() => this.start(opened), this.opts.windowMs);
    }
    const logits = cohort.add(member, input);
    if (cohort.size >= this.opts.maxMembers) this.start(cohort);
    return logits;
  }

  private start(cohort: Cohort): void {
    if (this.forming !== cohort) return;
    clearTimeout(this.formingTimer!);
    this.forming = this.formingTimer = null;
    cohort.start();
  }
}

/** One decoding's view of the batcher: the cohort it is in, if any. */
class Member {
  cohort: Cohort | null = null;

  constructor(private readonly batcher: StepBatcher, readonly contexts: EncodedContexts) {}

  step(input: StepInput): Promise<Float32Array> {
    if (input.tokens.length === 0) return Promise.reject(new Error('a step needs at least one row'));
    for (const c of input.contexts) {
      if (!(c >= 0 && c < this.contexts.count)) return Promise.reject(new Error(`context ${c} of ${this.contexts.count}`));
    }
    const first = input.parents.every((p) => p === -1);
    if (first) {
      this.leave();
      return this.batcher.join(this, input);
    }
    if (input.parents.some((p) => p < 0)) return Promise.reject(new Error('a step cannot mix first-step rows and cached rows'));
    if (!this.cohort) return Promise.reject(new Error('a cached step needs a first step before it'));
    return this.cohort.submit(this, input);
  }

  leave(): void {
    this.cohort?.remove(this);
    this.cohort = null;
  }
}

interface Pending {
  input: StepInput;
  resolve: (logits: Float32Array) => void;
  reject: (err: unknown) => void;
}

/** Decodings that started together and step in lockstep through one cached step over their stacked contexts. */
class Cohort {
  private readonly members: Member[] = [];
  private readonly pending = new Map<Member, Pending>();
  /** Per member: its first context in the stacked contexts, and where its rows sat in the previous run. */
  private readonly contextBase = new Map<Member, number>();
  private readonly previousRows = new Map<Member, number>();
  private step: GeneratorStep | null = null;
  private running = false;

  constructor(private readonly source: StepSource, private readonly stats: BatchingStats) {}

  get size(): number {
    return this.members.length;
  }

  add(member: Member, input: StepInput): Promise<Float32Array> {
    this.members.push(member);
    member.cohort = this;
    return this.submit(member, input);
  }

  submit(member: Member, input: StepInput): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.set(member, { input, resolve, reject });
      this.runWhenReady();
    });
  }

  remove(member: Member): void {
    const i = this.members.indexOf(member);
    if (i < 0) return;
    this.members.splice(i, 1);
    this.pending.get(member)?.reject(new Error('the decoding left its batch while a step was pending'));
    this.pending.delete(member);
    if (this.members.length === 0) this.release();
    else this.runWhenReady();
  }

  start(): void {
    const stacked = stackContexts(this.members.map((m) => m.contexts));
    this.members.forEach((m, i) => this.contextBase.set(m, stacked.bases[i]));
    this.step = this.source.createStep(stacked.contexts);
    this.stats.cohorts++;
    this.stats.members += this.members.length;
    this.runWhenReady();
  }

  /** Runs once the cohort has started, no run is in flight, and every member waits for its next rows. */
  private runWhenReady(): void {
    if (!this.step || this.running || this.members.length === 0) return;
    if (!this.members.every((m) => this.pending.has(m))) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    const batch = this.members.map((m) => ({ member: m, ...this.pending.get(m)! }));
    this.pending.clear();
    const total = batch.reduce((n, b) => n + b.input.tokens.length, 0);
    const tokens = new Int32Array(total);
    const parents = new Int32Array(total);
    const contexts = new Int32Array(total);
    const rowBase: number[] = [];
    let row = 0;
    for (const { member, input } of batch) {
      rowBase.push(row);
      const previous = this.previousRows.get(member) ?? -1;
      const contextBase = this.contextBase.get(member)!;
      for (let i = 0; i < input.tokens.length; i++, row++) {
        tokens[row] = input.tokens[i];
        parents[row] = input.parents[i] < 0 ? -1 : previous + input.parents[i];
        contexts[row] = contextBase + input.contexts[i];
      }
    }
    try {
      const logits = await this.step!.step({ tokens, parents, contexts });
      this.stats.runs++;
      this.stats.rows += total;
      const vocab = logits.length / total;
      this.previousRows.clear();
      batch.forEach(({ member, input, resolve }, i) => {
        this.previousRows.set(member, rowBase[i]);
        resolve(logits.subarray(rowBase[i] * vocab, (rowBase[i] + input.tokens.length) * vocab));
      });
    } catch (err) {
      // The cache is in an unknown state: every member's decoding fails, and later steps are refused.
      for (const { member, reject } of batch) {
        reject(err);
        member.cohort = null;
      }
      this.members.length = 0;
      this.release();
    } finally {
      this.running = false;
      this.runWhenReady();
    }
  }

  private release(): void {
    this.step?.release();
    this.step = null;
  }
}
