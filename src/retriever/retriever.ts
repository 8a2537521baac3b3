/**
 * Retrieval, the first half of RAG: question -> DPR question encoder -> top-K inner-product search on the serving
 * index -> passages with their raw scores and p(z|x), the softmax of the scores over the K returned passages.
 */
import type { Device } from '../config.js';
import type { IndexSource } from '../types/serving-index.js';
import { DprEncoder } from '../onnx/dpr-encoder.js';
import type { QuestionEncoder } from '../models/models.js';
import type { RetrievedPassage } from '../types/corpus.js';
import { softmax } from '../generator/decoding/math.js';
import { join } from 'node:path';

/** Passages retrieved for one question, best first, and the index version they came from. */
export interface Retrieval {
  passages: RetrievedPassage[];
  indexVersion: string;
}

/** Question encoder + index: see the module comment. */
export class Retriever {
  constructor(private readonly encoder: QuestionEncoder, private readonly index: IndexSource) {}

  /** Loads `question_encoder/` from a model bundle. */
  static async load(
    modelDir: string,
    index: IndexSource,
    opts: { device?: Device; intraOpThreads?: number; warn?: (m: string) => void } = {},
  ): Promise<Retriever> {
    return new Retriever(await DprEncoder.load(join(modelDir, 'question_encoder'), opts), index);
  }

  /** Execution provider of the question encoder: 'cpu' or 'cuda'. */
  get provider(): 'cpu' | 'cuda' {
    return this.encoder.provider;
  }

  /** Top-k passages for a question (fewer when the index holds fewer), with scores and weights. */
  async retrieve(question: string, k: number): Promise<Retrieval> {
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, got ${k}`);
    const vector = await this.encoder.encode([question]);
    const handle = this.index.acquire();
    try {
      const [hits] = handle.search(vector, k);
      const passages = await handle.passages(hits.map((h) => h.row));
      const weights = softmax(hits.map((h) => h.score));
      return {
        passages: passages.map((p, i) => ({ ...p, score: hits[i].score, weight: weights[i] })),
        indexVersion: handle.version,
      };
    } finally {
      handle.release();
    }
  }

  /** Releases the question encoder's session. */
  async close(): Promise<void> {
    await this.encoder.close();
  }
}
