/**
 * Cross-request batching: the decodings of concurrent requests share decoder runs (text-generation-inference's
 * idea), within what the exported BART decoder allows. Its key/value cache has one past length for all rows and no
 * decoder attention mask, so only decodings that start together can share a run: they form a cohort (their
 * contexts stacked, stacked-contexts.ts) that steps in lockstep, each run waiting until every member has asked for
 * its next rows. A cohort forms from the decodings waiting for a first step when the model is next free (after the
 * runs already queued), never after a fixed wait unless `windowMs` asks for one; cohorts formed at different times
 * take turns, one run each. A member leaves when its decoding ends; its rows stay in the runs as ghosts (their
 * logits unused) until they outnumber the live ones, because dropping rows means copying every remaining row's
 * cross-attention cache. A member that starts a new decoding (RAG-Sequence's rescoring) joins the next cohort.
 * To the decoding code a member is an ordinary step callback: decoding stays a pure function of rows and `step`.
 */
import type { EncodedContexts, GeneratorStep } from '../../onnx/bart-generator.js';
import type { LogProbs, StepInput } from '../../types/generation.js';
import { stackContexts } from './stacked-contexts.js';

/** What the batcher drives: the generator's cached step over a set of contexts. */
export interface StepSource {
  createStep(contexts: EncodedContexts): GeneratorStep;
}

/** How cohorts form. */
export interface BatchingOptions {
  /** An extra wait for more decodings before a cohort's first run; 0: it forms from what is queued. */
  windowMs: number;
  /** Most decodings in one cohort; 1 turns batching off. */
  maxMembers: number;
}

/** Counts a batcher keeps for metrics and benchmarks. */
export interface BatchingStats {
  /** Decoder runs made. */
  runs: number;
  /** Rows over all runs, ghosts included (rows / runs is the mean batch). */
  rows: number;
  /** Cohorts started, and members over all of them. */
  cohorts: number;
  members: number;
}

/** Hands out step callbacks whose runs are shared with concurrent decodings; see the module comment. */
export class StepBatcher {
  readonly stats: BatchingStats = { runs: 0, rows: 0, cohorts: 0, members: 0 };
  private forming: Cohort | null = null;
  private formingTimer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | null = null;
  /** Generations announced (`expect`) that have not reached their first step yet: a forming cohort waits for them. */
  private expected = 0;

  constructor(private readonly source: StepSource, private readonly opts: BatchingOptions) {
    if (!(opts.windowMs >= 0) || !(opts.maxMembers >= 1)) throw new Error('windowMs must be >= 0 and maxMembers >= 1');
  }

  /**
   * Announces a generation that will soon ask for a first step (it is tokenizing or encoding): a cohort forming
   * meanwhile waits for it. Call the returned function when it asks (createStep's `arrived`), or gives up; once.
   */
  expect(): () => void {
    this.expected++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.expected--;
      if (this.expected === 0 && this.forming) this.scheduleStart(this.forming);
    };
  }

  /** A step callback over `contexts`, as `BartGenerator.createStep` gives, whose runs may include other requests. */
  createStep(contexts: EncodedContexts, arrived?: () => void): GeneratorStep {
    const member = new Member(this, contexts, arrived);
    return { step: (input) => member.step(input), release: () => { member.leave(); arrived?.(); } };
  }

  /** Adds a decoding's first step to the forming cohort, opening one when none is. */
  join(member: Member, input: StepInput): Promise<LogProbs> {
    let cohort = this.forming;
    if (!cohort) {
      cohort = this.forming = new Cohort(this.source, this.stats);
      if (this.opts.windowMs > 0) {
        const opened = cohort;
        this.formingTimer = setTimeout(() => this.start(opened), this.opts.windowMs);
      }
    }
    const logProbs = cohort.add(member, input);
    if (cohort.size >= this.opts.maxMembers) this.start(cohort);
    else if (this.expected === 0) this.scheduleStart(cohort);
    return logProbs;
  }

  /**
   * Starts `cohort` after the model runs already queued (each onnxruntime run is a setImmediate too), unless an
   * announced generation is still on its way to its first step or a window is set.
   */
  private scheduleStart(cohort: Cohort): void {
    if (this.opts.windowMs > 0 || this.formingTimer !== null) return;
    this.formingTimer = setImmediate(() => {
      this.formingTimer = null;
      if (this.expected === 0) this.start(cohort);
    });
  }

  private start(cohort: Cohort): void {
    if (this.forming !== cohort) return;
    if (this.opts.windowMs > 0) clearTimeout(this.formingTimer as ReturnType<typeof setTimeout>);
    else clearImmediate(this.formingTimer as ReturnType<typeof setImmediate>);
    this.forming = this.formingTimer = null;
    cohort.start();
  }
}

/** One decoding's view of the batcher: the cohort it is in, if any. */
class Member {
  cohort: Cohort | null = null;

  constructor(private readonly batcher: StepBatcher, readonly contexts: EncodedContexts, private readonly arrived?: () => void) {}

  step(input: StepInput): Promise<LogProbs> {
    if (input.tokens.length === 0) return Promise.reject(new Error('a step needs at least one row'));
    for (const c of input.contexts) {
      if (!(c >= 0 && c < this.contexts.count)) return Promise.reject(new Error(`context ${c} of ${this.contexts.count}`));
    }
    const first = input.parents.every((p) => p === -1);
    if (first) {
      this.leave();
      const logProbs = this.batcher.join(this, input);
      this.arrived?.();
      return logProbs;
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
  resolve: (logProbs: LogProbs) => void;
  reject: (err: unknown) => void;
}

/** A block of rows of the previous run: a live member's, or a departed member's kept as ghosts. */
interface Slot {
  member: Member | null;
  /** Where the block sat in the previous run, and its rows' contexts in the stacked contexts. */
  firstRow: number;
  contexts: Int32Array;
}

/** Decodings that started together and step in lockstep through one cached step over their stacked contexts. */
class Cohort {
  private readonly members: Member[] = [];
  private readonly pending = new Map<Member, Pending>();
  /** Per member: its first context in the stacked contexts. */
  private readonly contextBase = new Map<Member, number>();
  /** The previous run's row blocks, in order. */
  private slots: Slot[] = [];
  private step: GeneratorStep | null = null;
  private running = false;

  constructor(private readonly source: StepSource, private readonly stats: BatchingStats) {}

  get size(): number {
    return this.members.length;
  }

  add(member: Member, input: StepInput): Promise<LogProbs> {
    this.members.push(member);
    member.cohort = this;
    return this.submit(member, input);
  }

  submit(member: Member, input: StepInput): Promise<LogProbs> {
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

  /**
   * The next run's blocks: each live member's rows where its previous block was (new members at the end), and the
   * ghosts' rows continuing themselves, unless ghosts would outnumber live rows (then they are dropped).
   */
  private layout(): { slot: Slot; input: StepInput | null }[] {
    const blocks: { slot: Slot; input: StepInput | null }[] = [];
    const placed = new Set<Member>();
    for (const slot of this.slots) if (slot.member && !this.members.includes(slot.member)) slot.member = null;
    const live = [...this.pending.values()].reduce((n, p) => n + p.input.tokens.length, 0);
    const ghosts = this.slots.reduce((n, s) => n + (s.member ? 0 : s.contexts.length), 0);
    const keepGhosts = ghosts <= live;
    for (const slot of this.slots) {
      if (slot.member) {
        placed.add(slot.member);
        blocks.push({ slot, input: this.pending.get(slot.member)!.input });
      } else if (keepGhosts) blocks.push({ slot, input: null });
    }
    for (const member of this.members) {
      if (!placed.has(member)) blocks.push({ slot: { member, firstRow: -1, contexts: new Int32Array(0) }, input: this.pending.get(member)!.input });
    }
    return blocks;
  }

  private async run(): Promise<void> {
    const blocks = this.layout();
    const total = blocks.reduce((n, b) => n + (b.input ? b.input.tokens.length : b.slot.contexts.length), 0);
    const tokens = new Int32Array(total);
    const parents = new Int32Array(total);
    const contexts = new Int32Array(total);
    const rowBase: number[] = [];
    let row = 0;
    for (const { slot, input } of blocks) {
      rowBase.push(row);
      if (!input) {
        // A ghost feeds any token (its logits are dropped) and continues its own rows, so nothing moves.
        for (let i = 0; i < slot.contexts.length; i++, row++) {
          parents[row] = slot.firstRow + i;
          contexts[row] = slot.contexts[i];
        }
        continue;
      }
      const contextBase = this.contextBase.get(slot.member!)!;
      for (let i = 0; i < input.tokens.length; i++, row++) {
        tokens[row] = input.tokens[i];
        parents[row] = input.parents[i] < 0 ? -1 : slot.firstRow + input.parents[i];
        contexts[row] = contextBase + input.contexts[i];
      }
    }
    const served = blocks.filter((b) => b.input).map((b) => ({ member: b.slot.member!, ...this.pending.get(b.slot.member!)! }));
    this.pending.clear();
    try {
      const logProbs = await this.step!.step({ tokens, parents, contexts });
      this.stats.runs++;
      this.stats.rows += total;
      const vocab = logProbs.length / total;
      this.slots = blocks.map(({ slot, input }, i) => ({
        member: slot.member, firstRow: rowBase[i], contexts: contexts.slice(rowBase[i], rowBase[i] + (input ? input.tokens.length : slot.contexts.length)),
      }));
      let next = 0;
      blocks.forEach(({ input }, i) => {
        if (!input) return;
        served[next++].resolve(logProbs.subarray(rowBase[i] * vocab, (rowBase[i] + input.tokens.length) * vocab));
      });
    } catch (err) {
      // The cache is in an unknown state: every member's decoding fails, and later steps are refused.
      for (const { member, reject } of served) {
        reject(err);
        member.cohort = null;
      }
      for (const member of this.members) member.cohort = null;
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
    this.slots = [];
  }
}
