/**
 * Compaction: every document change adds a segment and leaves tombstones, and each costs every search a little
 * (one more FAISS search, k more rows fetched per dead row). When a version has too many small segments, or too
 * large a share of dead rows in them, its small flat segments are merged into one without their dead rows. The
 * vectors are read back from the segments' files, not embedded again. The merged segment is of the kind the version
 * was built as (a flat version's stays flat, an IVF-PQ version's is trained on the merged vectors), so compaction
 * keeps the memory profile a build chose. Large segments (and HNSW or IVF-PQ ones) keep their tombstones until the
 * next `PUT /index`.
 */
import { rm } from 'node:fs/promises';
import { FaissIndex } from '../retriever/faiss-index.js';
import { indexSpec, kindOf, type IndexKind } from '../retriever/index-spec.js';
import { createStaging, newVersionName } from './index-store.js';
import type { LoadedVersion, VersionPart } from './loaded-version.js';
import { writeManifest, type IndexManifest } from './manifest.js';
import { PassageStoreWriter } from './passage-store.js';
import { SegmentIndexWriter } from './segment-index.js';
import { checksumFiles } from './version-files.js';

/** When to compact. */
export interface CompactionPolicy {
  /** Segments of at most this many rows are small, and merged. */
  smallRows: number;
  /** Compact when a version has more small segments than this... */
  maxSmallSegments: number;
  /** ...or when more than this share of its small segments' rows are dead. */
  maxDeadShare: number;
}

/** Defaults: a merge reads at most 8 x 10,000 vectors back (about 250 MB at 768 dimensions). */
export const DEFAULT_COMPACTION: CompactionPolicy = { smallRows: 10_000, maxSmallSegments: 8, maxDeadShare: 0.3 };

/** The parts of `version` to merge, or undefined when the policy says it needs no compaction. */
export function compactionPlan(version: LoadedVersion, policy: CompactionPolicy): VersionPart[] | undefined {
  const small = version.parts.filter((p) => p.ref.index_type === 'IndexFlatIP' && p.ref.passages <= policy.smallRows);
  const rows = small.reduce((n, p) => n + p.ref.passages, 0);
  const dead = small.reduce((n, p) => n + p.dead.size, 0);
  const crowded = small.length > policy.maxSmallSegments;
  const hollow = dead > 0 && dead / rows > policy.maxDeadShare;
  return crowded || hollow ? small : undefined;
}

/** The kind a version was built as (older manifests: that of its first segment). */
export function chosenKind(manifest: IndexManifest): IndexKind {
  return manifest.index_kind ?? kindOf(manifest.index_type.split('+')[0]!);
}

/**
 * Writes one segment of the version's kind holding the live rows of `parts`, in their order, into a new staging
 * folder with its manifest (named as the new segment); returns the folder. Removes it on failure.
 */
export async function writeMergedSegment(indexDir: string, parts: VersionPart[], like: IndexManifest): Promise<string> {
  const name = newVersionName();
  const staging = await createStaging(indexDir, name);
  try {
    const rows = parts.reduce((n, p) => n + p.ref.passages - p.dead.size, 0);
    const spec = indexSpec(chosenKind(like), rows, like.dimension);
    const index = new SegmentIndexWriter(staging, spec);
    const store = new PassageStoreWriter(staging);
    let documents = 0;
    try {
      for (const part of parts) {
        const vectors = await FaissIndex.readFlatVectors(part.segment.dir);
        const live: Float32Array[] = [];
        for (const run of part.segment.docs.runs()) {
          if (part.dead.has(run.first)) continue;
          const rows = Array.from({ length: run.count }, (_, i) => run.first + i);
          for (const passage of await part.segment.store.getMany(rows)) store.append(passage);
          live.push(vectors.subarray(run.first * like.dimension, (run.first + run.count) * like.dimension));
          documents++;
        }
        index.add(concat(live), like.dimension);
      }
      index.finish();
    } catch (err) {
      index.abort();
      throw err;
    } finally {
      store.close();
    }
    const manifest: IndexManifest = {
      version: name, documents, passages: index.size, dimension: like.dimension, index_type: spec.factory,
      index_kind: spec.kind, index_params: spec.params,
      built_at: new Date().toISOString(), model: like.model, ctx_encoder_sha256: like.ctx_encoder_sha256,
      files: await checksumFiles(staging),
    };
    await writeManifest(staging, manifest);
    return staging;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
