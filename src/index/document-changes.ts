/**
 * The version a document change makes of the serving one: the same segments (shared, never copied), each with
 * tombstones for the documents the change deletes or replaces, plus the new segment holding the upserted
 * documents. A segment left with nothing live is no longer listed. Pure: writing the version is the manager's job.
 */
import type { LoadedVersion } from './loaded-version.js';
import type { IndexManifest, SegmentRef } from './manifest.js';
import { segmentRef } from './segment-refs.js';

/** What a change asks for: documents to upsert (a validated NDJSON file, every document with an id), ids to delete. */
export interface DocumentChange {
  upsertPath?: string;
  deleteIds?: string[];
}

/** What a change did, reported with its job. */
export interface ChangeSummary {
  upserted: number;
  deleted: number;
  /** Ids asked to be deleted that no live document has. */
  unknownIds: string[];
}

/** The inputs of `composeChange`. */
export interface ComposeInput {
  base: LoadedVersion;
  /** How the new version lists the base's segments (self-contained ones moved under segments/), in base order. */
  baseRefs: SegmentRef[];
  version: string;
  /** The new segment's own manifest (absent for a change that only deletes). */
  added?: IndexManifest;
  upsertIds: string[];
  deleteIds: string[];
}

/** The new version's manifest (undefined when the change changes nothing) and what the change did. */
export function composeChange(input: ComposeInput): { manifest?: IndexManifest; summary: ChangeSummary } {
  const { base, added } = input;
  const unknownIds = input.deleteIds.filter((id) => !base.partOf(id));
  const summary = { upserted: input.upsertIds.length, deleted: input.deleteIds.length - unknownIds.length, unknownIds };
  if (!added && summary.deleted === 0) return { summary };
  if (added) checkComparable(base.manifest, added);
  const gone = [...input.upsertIds, ...input.deleteIds];
  const segments: SegmentRef[] = [];
  base.parts.forEach((part, i) => {
    const deleted = new Set(input.baseRefs[i]!.deleted);
    for (const id of gone) if (part.segment.docs.has(id)) deleted.add(id);
    if (deleted.size < part.segment.docs.size) segments.push({ ...input.baseRefs[i]!, deleted: [...deleted] });
  });
  if (added) segments.push(segmentRef(added));
  if (segments.length === 0) {
    throw new Error('the change would delete every document; PUT /index replaces the whole corpus');
  }
  return { manifest: versionOf(input.version, base.manifest, segments, base), summary };
}

/**
 * The manifest of a version made of `segments`, with live counts: rows and documents of each segment less its
 * tombstones (a segment the base has open counts from its ids; a new one has no tombstones).
 */
export function versionOf(
  version: string,
  like: IndexManifest,
  segments: SegmentRef[],
  base: LoadedVersion,
): IndexManifest {
  let passages = 0;
  let documents = 0;
  for (const ref of segments) {
    const open = base.parts.find((p) => p.ref.name === ref.name)?.segment;
    passages += ref.passages - (open ? open.rowsOf(ref.deleted).size : 0);
    documents += (open ? open.docs.size : ref.documents) - ref.deleted.length;
  }
  return {
    version, documents, passages, dimension: like.dimension,
    index_type: [...new Set(segments.map((s) => s.index_type))].join('+'),
    ...(like.index_kind ? { index_kind: like.index_kind } : {}),
    ...(like.index_params ? { index_params: like.index_params } : {}),
    built_at: new Date().toISOString(), model: like.model, ctx_encoder_sha256: like.ctx_encoder_sha256, segments,
  };
}

/** Vectors of another encoder or width cannot be searched together with the base's. */
function checkComparable(base: IndexManifest, added: IndexManifest): void {
  if (added.ctx_encoder_sha256 !== base.ctx_encoder_sha256 || added.dimension !== base.dimension) {
    throw new Error(`the serving version ${base.version} was embedded by another context encoder ` +
      `(${base.ctx_encoder_sha256.slice(0, 12)}, dimension ${base.dimension}) than the bundle's ` +
      `(${added.ctx_encoder_sha256.slice(0, 12)}, dimension ${added.dimension}); PUT /index to rebuild it`);
  }
}
