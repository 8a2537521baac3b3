/**
 * One opened index version (its segments, their tombstones, its manifest) with a reference count, and the handles
 * requests hold on it. The manager's own "serving" reference counts as one; the version lets go of its segments
 * when the count reaches zero, that is after a swap and once its last in-flight request has released its handle.
 * A search asks every segment for k hits plus as many as it has dead rows (so tombstones can never crowd out a
 * live hit), drops the dead ones and merges by score. What a search or a passage read returns is checked, so that
 * damage that got past the checks at load is a 503 `index_damaged` and a report to the manager, never a 500.
 */
import { IndexDamagedError } from '../errors.js';
import type { Passage } from '../types/corpus.js';
import { IndexDamageError } from './damage.js';
import type { SearchHit } from '../types/serving-index.js';
import type { IndexManifest, SegmentRef } from './manifest.js';
import type { OpenSegment } from './open-segment.js';
import type { StoredDocument } from '../types/corpus.js';
import type { IndexHandle } from '../types/serving-index.js';

/** A segment as one version sees it: its tombstoned rows, and where its rows start in the version's numbering. */
export interface VersionPart extends SegmentOfVersion {
  dead: Set<number>;
  offset: number;
}

/** A segment and how a version lists it. */
export interface SegmentOfVersion {
  segment: OpenSegment;
  ref: SegmentRef;
}

/** Passages live in a version made of these segments (rows not tombstoned). */
export function livePassages(segments: SegmentOfVersion[]): number {
  return segments.reduce((n, { segment, ref }) => n + segment.store.size - segment.rowsOf(ref.deleted).size, 0);
}

/** A loaded version; created holding the manager's reference. Takes over one reference on each segment. */
export class LoadedVersion {
  private refs = 1;
  readonly parts: VersionPart[];

  constructor(
    readonly manifest: IndexManifest,
    segments: SegmentOfVersion[],
    private readonly onFree: () => void,
    private readonly onDamaged: (reason: string) => void = () => {},
  ) {
    let offset = 0;
    this.parts = segments.map(({ segment, ref }) => {
      const part = { segment, ref, dead: segment.rowsOf(ref.deleted), offset };
      offset += segment.store.size;
      return part;
    });
  }

  /** A new handle (one more reference). */
  handle(): IndexHandle {
    this.refs++;
    let released = false;
    const live = () => {
      if (released) throw new Error('index handle used after release()');
      return this;
    };
    return {
      version: this.manifest.version,
      search: (queries, k) => live().search(queries, k),
      passages: (rows) => live().passages(rows),
      document: (id) => live().document(id),
      release: () => {
        if (released) return;
        released = true;
        this.unref();
      },
    };
  }

  /** The part holding document `id` alive, or undefined. */
  partOf(id: string): VersionPart | undefined {
    return this.parts.find((p) => p.segment.docs.has(id) && !p.ref.deleted.includes(id));
  }

  private search(queries: Float32Array, k: number): SearchHit[][] {
    const merged: SearchHit[][] = [];
    for (const part of this.parts) {
      const size = part.segment.index.size;
      if (size === part.dead.size) continue;
      const results = this.checked(part, part.segment.search(queries, Math.min(size, k + part.dead.size)));
      results.forEach((hits, q) => {
        const live = hits.filter((h) => !part.dead.has(h.row)).map((h) => ({ row: h.row + part.offset, score: h.score }));
        merged[q] = (merged[q] ?? []).concat(live);
      });
    }
    const n = queries.length / this.manifest.dimension;
    return Array.from({ length: n }, (_, q) => (merged[q] ?? []).sort((a, b) => b.score - a.score).slice(0, k));
  }

  private passages(rows: number[]): Promise<Passage[]> {
    return Promise.all(rows.map((row) => {
      const part = this.partAt(row);
      if (!part) throw new RangeError(`passage row ${row} is outside this version`);
      return part.segment.store.get(row - part.offset);
    })).catch((err) => {
      throw err instanceof IndexDamageError ? this.damaged(err.message) : err;
    });
  }

  private partAt(row: number): VersionPart | undefined {
    let found: VersionPart | undefined;
    for (const part of this.parts) if (part.offset <= row) found = part;
    return found;
  }

  private async document(id: string): Promise<StoredDocument | undefined> {
    const part = this.partOf(id);
    const run = part?.segment.docs.get(id);
    if (!part || !run) return undefined;
    const rows = Array.from({ length: run.count }, (_, i) => part.offset + run.first + i);
    const passages = await this.passages(rows);
    return { id, title: passages[0]!.title, text: passages.map((p) => p.text).join(' '), passages: passages.length };
  }

  /**
   * Hits with a non-finite score or a row outside the store come from damaged vectors; so does a search of a
   * non-empty index that finds nothing (FAISS drops rows whose score is NaN).
   */
  private checked(part: VersionPart, results: SearchHit[][]): SearchHit[][] {
    const where = `index.faiss of version ${this.manifest.version}`;
    const segment = part.ref.name === this.manifest.version ? '' : ` (segment ${part.ref.name})`;
    for (const hits of results) {
      if (hits.length === 0) throw this.damaged(`${where} gave no result for a query${segment}`);
      for (const { row, score } of hits) {
        if (!Number.isFinite(score) || row >= part.segment.store.size) {
          throw this.damaged(`${where} gave row ${row} with score ${score}${segment}`);
        }
      }
    }
    return results;
  }

  private damaged(reason: string): IndexDamagedError {
    this.onDamaged(reason);
    return new IndexDamagedError(this.manifest.version);
  }

  /** Drops one reference; the last one lets go of the segments. */
  unref(): void {
    if (--this.refs > 0) return;
    for (const part of this.parts) part.segment.release();
    this.onFree();
  }
}
