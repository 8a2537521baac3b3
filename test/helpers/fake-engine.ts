/**
 * A test double of RagEngine for route tests until the suite runs the real engine on a tiny bundle: it "retrieves"
 * by word overlap from a fixed passage list and "generates" the best passage's title word by word, honouring
 * the abort signal between steps like the real decoder. Nothing here is product code.
 */
import type { RagEngine } from '../../src/rag/engine.js';
import type { AnswerRequest, GenerationRequest, GenerationResult, JeopardyRequest } from '../../src/rag/types.js';
import type { Passage, RetrievedPassage } from '../../src/types/corpus.js';

/** The passages the double retrieves from. */
export const FAKE_PASSAGES: Passage[] = [
  { id: 'd1-p0', docId: 'd1', title: 'Lisp', text: 'Lisp is a family of programming languages with prefix notation.' },
  { id: 'd2-p0', docId: 'd2', title: 'Unix', text: 'Unix is an operating system developed at Bell Labs.' },
  { id: 'd3-p0', docId: 'd3', title: 'FORTRAN', text: 'FORTRAN is a programming language for numeric computation.' },
];

/** A RagEngine double; see the module comment. */
export class FakeEngine implements RagEngine {
  isReady = true;
  closed = false;
  /** Delay between generated tokens, so tests can disconnect or time out mid-generation. */
  stepDelayMs = 0;
  /** When set, every call waits for this promise before generating (to fill the queue). */
  gate: Promise<void> | undefined;
  /** When set, every call rejects with it. */
  failWith: Error | undefined;
  /** Requests received, newest last. */
  readonly calls: Array<AnswerRequest | JeopardyRequest> = [];
  /** Generations stopped by their abort signal. */
  aborted = 0;

  ready(): boolean {
    return this.isReady;
  }

  async answer(req: AnswerRequest): Promise<GenerationResult> {
    const result = await this.generate(req, req.question);
    return { ...result, abstained: result.confidence < (req.minConfidence ?? 0) };
  }

  jeopardy(req: JeopardyRequest): Promise<GenerationResult> {
    return this.generate(req, req.answer);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async generate(req: GenerationRequest & (AnswerRequest | JeopardyRequest), query: string) {
    this.calls.push(req);
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    const documents = retrieve(query, req.nDocs);
    const words = `${documents[0]!.title} is the answer`.split(' ').slice(0, req.maxNewTokens);
    const tokens = [];
    for (const [i, word] of words.entries()) {
      if (this.stepDelayMs > 0) await new Promise((r) => setTimeout(r, this.stepDelayMs));
      if (req.signal?.aborted) {
        this.aborted++;
        throw req.signal.reason;
      }
      const text = i === 0 ? word : ` ${word}`;
      req.onToken?.(text);
      tokens.push({ text, docWeights: documents.map((d) => d.weight) });
    }
    const result: GenerationResult = {
      text: words.join(' '), mode: req.mode, documents, indexVersion: 'v-fake',
      timingsMs: { retrieve: 1, generate: 2, total: 3 }, generatedTokens: words.length,
      confidence: documents[0]!.weight, // a stand-in: how much the best passage stands out
    };
    if (req.explain) result.tokens = tokens;
    return result;
  }
}

function retrieve(query: string, k: number): RetrievedPassage[] {
  const q = new Set(query.toLowerCase().split(/\W+/));
  const scored = FAKE_PASSAGES.map((p) => ({
    ...p, score: `${p.title} ${p.text}`.toLowerCase().split(/\W+/).filter((w) => q.has(w)).length, weight: 0,
  })).sort((a, b) => b.score - a.score).slice(0, Math.min(k, FAKE_PASSAGES.length));
  const z = scored.reduce((s, d) => s + Math.exp(d.score), 0);
  for (const d of scored) d.weight = Math.exp(d.score) / z;
  return scored;
}
