/**
 * One opened segment (FAISS index + passage store + its document ids), shared by every loaded version that lists
 * it, with a reference count: a change that adds a small segment reuses the segments the serving version has open
 * instead of reading and verifying them again. The pool opens each segment once and forgets it when its last
 * version lets go.
 */
import { join } from 'node:path';
import { FaissIndex, INDEX_FILE } from '../retriever/faiss-index.js';
import type { SearchHit } from '../types/serving-index.js';
import { indexSpec, IVF_RERANK, kindOf, searchParams, type IndexParams, type SearchOverrides } from '../retriever/index-spec.js';
import { asDamage, IndexDamageError } from './damage.js';
import { readDocumentRows } from './document-rows.js';
import type { DocumentTable } from './document-table.js';
import { PassageStore, PASSAGES_FILE } from './passage-store.js';
import { rerankExact } from './segment-index.js';
import type { SegmentLocation } from './segment-refs.js';
import { VectorFile, VECTORS_FILE } from './vector-file.js';
import { verifyFiles } from './version-files.js';

/** An opened segment; see the module comment. */
export class OpenSegment {
  private refs = 0;

  private constructor(
    readonly name: string,
    /** The folder its files are in. */
    readonly dir: string,
    readonly index: FaissIndex,
    readonly store: PassageStore,
    /** Document id -> its rows in this segment. */
    readonly docs: DocumentTable,
    private readonly onLastRelease: () => void,
    /** IVF-PQ: the float vectors its candidates are re-ranked against. */
    private readonly vectors: VectorFile | undefined,
    /** The search parameters it was opened with (its build's, with the operator's overrides). */
    readonly params: IndexParams,
  ) {}

  /**
   * Verifies the segment's files against its checksums (before FAISS reads anything), opens them, checks that they
   * agree with the record, and runs one warm-up search. Problems with the files' content are IndexDamageError.
   */
  static async open(
    location: SegmentLocation, dimension: number, onLastRelease: () => void, overrides: SearchOverrides = {},
  ): Promise<OpenSegment> {
    const { ref, dir } = location;
    if (location.verified) await verifyFiles(dir, ref.files);
    let index: FaissIndex;
    try {
      index = FaissIndex.read(dir);
    } catch (err) {
      throw asDamage(err, join(dir, INDEX_FILE));
    }
    const store = await PassageStore.open(dir).catch((err) => {
      index.dispose();
      throw asDamage(err, join(dir, PASSAGES_FILE));
    });
    let vectors: VectorFile | undefined;
    try {
      // Segments written before parameters were recorded get today's defaults for their kind (efSearch 128, not 16).
      const kind = kindOf(ref.index_type);
      const params = searchParams(kind, ref.index_params ?? indexSpec(kind, ref.passages, dimension).params, overrides);
      index.applyParams(params);
      if (kind === 'ivf_pq') {
        try {
          vectors = VectorFile.open(dir, dimension, ref.passages);
        } catch (err) {
          throw asDamage(err, join(dir, VECTORS_FILE));
        }
      }
      if (index.size !== ref.passages || store.size !== ref.passages || index.dimension !== dimension) {
        throw new IndexDamageError(dir, `is inconsistent: its record says ${ref.passages} passages of dimension ` +
          `${dimension}, index has ${index.size} of ${index.dimension}, store ${store.size}`);
      }
      const docs = await readDocumentRows(dir);
      const segment = new OpenSegment(ref.name, dir, index, store, docs, onLastRelease, vectors, params);
      if (index.size > 0) {
        segment.search(new Float32Array(index.dimension), 1); // warm-up: pages the index in before requests do
        await store.getMany([0]);
      }
      return segment;
    } catch (err) {
      vectors?.close();
      index.dispose();
      await store.close();
      throw asDamage(err, dir);
    }
  }

  /**
   * Top-k rows by inner product for each query (row-major); IVF-PQ's approximate candidates are re-ranked exactly
   * against the float vectors on disk. Synchronous, like FAISS's own search.
   */
  search(queries: Float32Array, k: number): SearchHit[][] {
    if (!this.vectors) return this.index.search(queries, k);
    return rerankExact(queries, this.index.search(queries, Math.max(k, this.params.rerank ?? IVF_RERANK)), this.vectors, k);
  }

  /** One more version uses it. */
  retain(): void {
    this.refs++;
  }

  /** One version fewer; the last one frees the index and closes the store. */
  release(): void {
    if (--this.refs > 0) return;
    this.onLastRelease();
    this.index.dispose();
    this.vectors?.close();
    void this.store.close();
  }

  /** The rows of these documents (those stored here). */
  rowsOf(ids: Iterable<string>): Set<number> {
    const rows = new Set<number>();
    for (const id of ids) {
      const run = this.docs.get(id);
      for (let r = 0; run && r < run.count; r++) rows.add(run.first + r);
    }
    return rows;
  }
}

/** The segments open now, by name; see the module comment. */
export class SegmentPool {
  private readonly open = new Map<string, Promise<OpenSegment>>();

  /** `overrides`: the operator's search parameters, over those each segment recorded (index-spec.ts). */
  constructor(private readonly overrides: SearchOverrides = {}) {}

  /** The segment at `location`, opened (and verified) unless a loaded version has it open already; retained. */
  async acquire(location: SegmentLocation, dimension: number): Promise<OpenSegment> {
    const name = location.ref.name;
    let pending = this.open.get(name);
    if (!pending) {
      const opening: Promise<OpenSegment> = OpenSegment.open(location, dimension, () => {
        if (this.open.get(name) === opening) this.open.delete(name);
      }, this.overrides);
      pending = opening;
      this.open.set(name, opening);
      opening.catch(() => {
        if (this.open.get(name) === opening) this.open.delete(name);
      });
    }
    const segment = await pending;
    segment.retain();
    return segment;
  }

  /** Names of the segments some loaded version holds (pruning never removes them). */
  held(): Set<string> {
    return new Set(this.open.keys());
  }
}
