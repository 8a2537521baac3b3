/**
 * Builds one index version from an NDJSON corpus: documents -> passages -> context encoder in batches -> FAISS
 * (flat, HNSW or IVF-PQ by size or as asked: index-spec.ts), written into a staging folder (index.faiss, for IVF-PQ
 * vectors.f32, the passage store, manifest.json with every file's checksum), once the disk has room for it. Runs inside the build worker; the
 * manager moves the finished folder into versions/. Any failure or cancellation removes the staging folder.
 */
import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Device } from '../config.js';
import { DprEncoder } from '../onnx/dpr-encoder.js';
import type { Passage } from '../types/corpus.js';
import { chooseKind, DEFAULT_THRESHOLDS, indexSpec, type IndexKind, type KindThresholds } from '../retriever/index-spec.js';
import type { BuildProgress } from './build-jobs.js';
import { createStaging, newVersionName } from './index-store.js';
import { writeManifest, type IndexManifest } from './manifest.js';
import { checksumFiles, sha256File } from './version-files.js';
import { ensureFreeSpace, estimateVersionBytes, vectorDimension } from './disk-space.js';
import { PassageStoreWriter } from './passage-store.js';
import { readCorpusFile } from './corpus.js';
import { SegmentIndexWriter } from './segment-index.js';
import { countPassages, DocumentIds, splitDocument } from './passages.js';

/** What to build, from what, and how. */
export interface BuildOptions {
  indexDir: string;
  /** NDJSON corpus: one `{"id"?, "title", "text"}` per line. */
  corpus: string;
  /** Model bundle root; its `ctx_encoder/` embeds the passages. */
  modelDir: string;
  device: Device;
  threads?: number;
  /** Passages per encoder run (default 32). */
  batchSize?: number;
  /** The index kind; by corpus size (`thresholds`) when absent. */
  indexKind?: IndexKind;
  thresholds?: KindThresholds;
  /** Version name (default: a new timestamped one). */
  version?: string;
  /** Free bytes the build must leave on the index's disk, on top of its own expected size (default 0). */
  reserveBytes?: number;
}

/** A complete staging folder, ready to be moved into versions/. */
export interface BuildResult {
  version: string;
  staging: string;
  manifest: IndexManifest;
}

/** Builds a version into a staging folder; see the module comment. */
export async function buildIndexVersion(
  opts: BuildOptions,
  onProgress: (p: BuildProgress) => void = () => {},
  signal?: AbortSignal,
): Promise<BuildResult> {
  // Pass 1 validates every line and counts, so that a bad corpus fails before any encoding and progress has a total.
  const ids = new DocumentIds();
  let documents = 0;
  let total = 0;
  for await (const { doc } of readCorpusFile(opts.corpus)) {
    if (doc.id !== undefined) ids.reserve(doc.id);
    documents++;
    total += countPassages(doc.text);
  }
  if (total === 0) throw new Error('the corpus has no words to index');
  onProgress({ done: 0, total });
  const dimension = await vectorDimension(join(opts.modelDir, 'ctx_encoder'));
  const spec = indexSpec(opts.indexKind ?? chooseKind(total, opts.thresholds ?? DEFAULT_THRESHOLDS), total, dimension);
  // Checked before any work: a disk that fills mid-build fails late and costs the whole embedding time.
  const expected = estimateVersionBytes({
    corpusBytes: (await stat(opts.corpus)).size, passages: total, dimension, indexType: spec.factory,
  });
  await ensureFreeSpace(opts.indexDir, expected + (opts.reserveBytes ?? 0), `a build of ${total} passages`);

  const version = opts.version ?? newVersionName();
  const staging = await createStaging(opts.indexDir, version);
  let encoder: DprEncoder | undefined;
  try {
    const ctxDir = join(opts.modelDir, 'ctx_encoder');
    encoder = await DprEncoder.load(ctxDir, { device: opts.device, intraOpThreads: opts.threads });
    const checksum = await ctxEncoderChecksum(opts.modelDir);
    const store = new PassageStoreWriter(staging);
    const index = new SegmentIndexWriter(staging, spec);
    let window: Passage[] = [];
    const batchSize = opts.batchSize ?? 32;
    // The encoder groups a window of passages by length into batches; a wide window pads less.
    const windowSize = batchSize * 8;
    const flush = async () => {
      const indexed = index.size;
      const vectors = await encoder!.encode(window.map((p) => [p.title, p.text] as const), {
        batchSize, signal, onBatch: (done) => onProgress({ done: indexed + done, total }),
      });
      index.add(vectors, vectors.length / window.length);
      window = [];
    };
    try {
      for await (const { doc } of readCorpusFile(opts.corpus)) {
        const id = ids.idFor(doc);
        for (const passage of splitDocument({ id, title: doc.title, text: doc.text })) {
          store.append(passage);
          window.push(passage);
          if (window.length >= windowSize) await flush();
        }
      }
      if (window.length > 0) await flush();
    } catch (err) {
      index.abort();
      throw err;
    } finally {
      store.close();
    }
    if (index.size !== total || store.size !== total) {
      throw new Error(`indexed ${index.size} vectors and stored ${store.size} passages, expected ${total}`);
    }
    const written = index.finish();
    const manifest: IndexManifest = {
      version, documents, passages: total, dimension: written, index_type: spec.factory,
      index_kind: spec.kind, index_params: spec.params,
      built_at: new Date().toISOString(), model: await bundleIdentity(opts.modelDir), ctx_encoder_sha256: checksum,
      files: await checksumFiles(staging),
    };
    await writeManifest(staging, manifest);
    return { version, staging, manifest };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await encoder?.close();
  }
}

/** sha256 of the bundle's `ctx_encoder/model.onnx` (hashed, not read from a manifest that could be stale). */
export function ctxEncoderChecksum(modelDir: string): Promise<string> {
  return sha256File(join(modelDir, 'ctx_encoder', 'model.onnx'));
}

/**
 * The bundle's identity for manifests and GET /index: its name (`name` in the bundle's manifest.json, else the
 * folder's name) and, when the bundle has a manifest.json, the first 12 hex digits of that file's sha256, which
 * lists every file's checksum: `tiny@3f9a0c1b2d4e`. Two bundles with the same identity have the same files.
 */
export async function bundleIdentity(modelDir: string): Promise<string> {
  const text = await readFile(join(modelDir, 'manifest.json'), 'utf8').catch(() => undefined);
  let name = basename(resolve(modelDir));
  if (text === undefined) return name;
  try {
    const data = JSON.parse(text) as Record<string, unknown>;
    if (typeof data.name === 'string' && data.name.length > 0) name = data.name;
  } catch {
    // An unreadable manifest still identifies the bundle by its checksum.
  }
  return `${name}@${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}
