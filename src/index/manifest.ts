/**
 * The manifest that travels with every index version (`versions/<version>/manifest.json`): what was indexed, how,
 * and with which context encoder. Written by the builder, checked when a version is opened.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_KINDS, type IndexKind, type IndexParams } from '../retriever/index-spec.js';
import type { FileChecksum } from './version-files.js';

/** File name of the manifest inside a version folder. */
export const MANIFEST_FILE = 'manifest.json';

/** Contents of `manifest.json`; snake_case because it is a file format shared with other tools. */
export interface IndexManifest {
  version: string;
  documents: number;
  passages: number;
  dimension: number;
  /**
   * FAISS factory string, inner product: `IndexFlatIP` (exhaustive), `HNSW32,Flat` (graph) or `IVF<nlist>,PQ<m>x<bits>np`
   * (compressed, re-ranked against vectors.f32). A version made of segments joins its segments' strings with `+`.
   */
  index_type: string;
  /** The kind the build chose (by size or as asked); compaction merges into it. Absent in older manifests. */
  index_kind?: IndexKind;
  /** The parameters the build chose for it (nprobe, efSearch, ...): index-spec.ts. */
  index_params?: IndexParams;
  built_at: string;
  /** Identity of the model bundle whose context encoder embedded the passages. */
  model: string;
  /** sha256 of the context encoder's model.onnx: vectors from another encoder are not comparable. */
  ctx_encoder_sha256: string;
  /**
   * Size and sha256 of every other file of the version, verified when it opens (version-files.ts). Absent in
   * versions built before checksums were recorded: those open unverified.
   */
  files?: Record<string, FileChecksum>;
  /**
   * The segments the version is made of, oldest first, each with its tombstones (segment-refs.ts). Absent in a
   * self-contained version (a full build, or one made before segments): its own folder is its one segment. When
   * present, `documents` and `passages` count what is live, and `files` is absent.
   */
  segments?: SegmentRef[];
}

/** One segment of a version: a folder under `segments/` (a FAISS index, its passages, its ids) and its tombstones. */
export interface SegmentRef {
  /** Folder name under `segments/`. */
  name: string;
  /** Rows of its FAISS index and passage store, dead ones included. */
  passages: number;
  /** Documents stored in it, dead ones included. */
  documents: number;
  index_type: string;
  /** Its search parameters (nprobe, efSearch, re-ranking depth), set when it opens. */
  index_params?: IndexParams;
  /** Size and sha256 of its files, verified when it opens. */
  files: Record<string, FileChecksum>;
  /** Tombstones: ids of documents stored in this segment that are deleted (or replaced by a newer segment). */
  deleted: string[];
}

/** Thrown when a manifest is missing a field or has a value of the wrong kind. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestError';
  }
}

const STRING_FIELDS = ['version', 'index_type', 'built_at', 'model', 'ctx_encoder_sha256'] as const;
const COUNT_FIELDS = ['documents', 'passages', 'dimension'] as const;

/** Checks a parsed value field by field; `where` names the file in error messages. */
export function parseManifest(value: unknown, where: string): IndexManifest {
  if (typeof value !== 'object' || value === null) throw new ManifestError(`${where}: not a JSON object`);
  const record = value as Record<string, unknown>;
  for (const key of STRING_FIELDS) {
    if (typeof record[key] !== 'string') throw new ManifestError(`${where}: "${key}" must be a string`);
  }
  for (const key of COUNT_FIELDS) {
    const n = record[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
      throw new ManifestError(`${where}: "${key}" must be a non-negative integer`);
    }
  }
  if ((record.dimension as number) < 1) throw new ManifestError(`${where}: "dimension" must be at least 1`);
  if (record.index_kind !== undefined && !INDEX_KINDS.includes(record.index_kind as IndexKind)) {
    throw new ManifestError(`${where}: "index_kind" must be one of ${INDEX_KINDS.join(', ')}`);
  }
  if (record.index_params !== undefined) checkParams(record.index_params, where, 'index_params');
  if (record.files !== undefined) checkFiles(record.files, where, 'files');
  if (record.segments !== undefined) checkSegments(record.segments, where);
  return record as unknown as IndexManifest;
}

function checkFiles(files: unknown, where: string, field: string): void {
  if (typeof files !== 'object' || files === null || Array.isArray(files)) {
    throw new ManifestError(`${where}: "${field}" must be an object of {bytes, sha256} by file name`);
  }
  for (const [name, entry] of Object.entries(files)) {
    const { bytes, sha256 } = (entry ?? {}) as Record<string, unknown>;
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0 || typeof sha256 !== 'string'
      || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new ManifestError(`${where}: "${field}.${name}" must be {bytes: a non-negative integer, sha256: 64 hex digits}`);
    }
  }
}

function checkParams(params: unknown, where: string, field: string): void {
  if (typeof params !== 'object' || params === null || Array.isArray(params)
    || !Object.values(params).every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)) {
    throw new ManifestError(`${where}: "${field}" must be an object of non-negative numbers`);
  }
}

function checkSegments(segments: unknown, where: string): void {
  if (!Array.isArray(segments)) throw new ManifestError(`${where}: "segments" must be an array`);
  segments.forEach((entry: unknown, i) => {
    const field = `segments[${i}]`;
    const s = (entry ?? {}) as Record<string, unknown>;
    if (typeof s.name !== 'string' || typeof s.index_type !== 'string') {
      throw new ManifestError(`${where}: "${field}" must have string "name" and "index_type"`);
    }
    for (const key of ['passages', 'documents']) {
      const n = s[key];
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
        throw new ManifestError(`${where}: "${field}.${key}" must be a non-negative integer`);
      }
    }
    checkFiles(s.files, where, `${field}.files`);
    if (s.index_params !== undefined) checkParams(s.index_params, where, `${field}.index_params`);
    if (!Array.isArray(s.deleted) || !s.deleted.every((id) => typeof id === 'string')) {
      throw new ManifestError(`${where}: "${field}.deleted" must be an array of document ids`);
    }
  });
}

/** Reads and checks `manifest.json` in a version folder. */
export async function readManifest(versionDir: string): Promise<IndexManifest> {
  const path = join(versionDir, MANIFEST_FILE);
  return parseManifest(JSON.parse(await readFile(path, 'utf8')), path);
}

/** Writes `manifest.json` into a (staging) version folder. */
export async function writeManifest(versionDir: string, manifest: IndexManifest): Promise<void> {
  await writeFile(join(versionDir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
}
