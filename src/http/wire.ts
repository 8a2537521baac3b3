/**
 * Mapping between the engine's camelCase objects and the snake_case wire format of docs/API.md, in one place.
 */
import type { GenerationRequest, GenerationResult } from '../rag/types.js';
import type { IndexDescription } from '../types/serving-index.js';
import type { RetrievedPassage } from '../types/corpus.js';
import type { BuildJobView } from '../index/build-jobs.js';
import type { VersionInfo } from '../index/version-list.js';
import type { StoredDocument } from '../types/corpus.js';
import type { AnswerResponse, IndexDescriptionWire, JeopardyResponse, JobStatus } from './schemas.js';
import { LIMITS } from './schemas.js';

/** The generation options as they arrive in a request body. */
export interface GenerationOptionsWire {
  n_docs?: number;
  mode?: 'token' | 'sequence';
  num_beams?: number;
  max_new_tokens?: number;
  thorough?: boolean;
}

/** Applies the documented defaults and maps to the engine's request fields. */
export function toGenerationRequest(body: GenerationOptionsWire, signal: AbortSignal): GenerationRequest {
  return {
    nDocs: body.n_docs ?? LIMITS.nDocs.default,
    mode: body.mode ?? 'token',
    numBeams: body.num_beams ?? LIMITS.numBeams.default,
    maxNewTokens: body.max_new_tokens ?? LIMITS.maxNewTokens.default,
    fast: body.thorough === false,
    signal,
  };
}

function documentsWire(docs: RetrievedPassage[]) {
  return docs.map((d) => ({ id: d.id, doc_id: d.docId, title: d.title, text: d.text, score: d.score, weight: d.weight }));
}

/** POST /answer body (and the `done` event of a stream). */
export function answerWire(result: GenerationResult): AnswerResponse {
  const wire: AnswerResponse = {
    answer: result.abstained ? null : result.text,
    abstained: result.abstained ?? false,
    confidence: result.confidence,
    mode: result.mode,
    documents: documentsWire(result.documents),
    index_version: result.indexVersion,
    timings_ms: { ...result.timingsMs },
  };
  if (result.tokens) wire.tokens = result.tokens.map((t) => ({ text: t.text, doc_weights: t.docWeights }));
  if (result.answerSpans) wire.answer_spans = result.answerSpans;
  if (result.attribution) {
    const a = result.attribution;
    wire.attribution = { log_likelihood: a.logLikelihood, without_document: [...a.withoutDocument], depends_on: a.dependsOn };
  }
  return wire;
}

/** POST /jeopardy body. */
export function jeopardyWire(result: GenerationResult): JeopardyResponse {
  return {
    question: result.text,
    confidence: result.confidence,
    mode: result.mode,
    documents: documentsWire(result.documents),
    index_version: result.indexVersion,
    timings_ms: { ...result.timingsMs },
  };
}

/** GET /index body. */
export function indexWire(d: IndexDescription): IndexDescriptionWire {
  return {
    version: d.version, documents: d.documents, passages: d.passages, dimension: d.dimension,
    index_type: d.indexType, built_at: d.builtAt, model: d.model,
    ...(d.device === 'cpu' || d.device === 'cuda' ? { device: d.device } : {}),
    ...(d.degraded !== undefined ? { degraded: d.degraded } : {}),
    ...(d.replica !== undefined ? { replica: d.replica } : {}),
  };
}

/** GET /index/jobs/:id body. */
export function jobWire(job: BuildJobView): JobStatus {
  const wire: JobStatus = { job_id: job.id, state: job.state, progress: { ...job.progress } };
  if (job.error !== undefined) wire.error = job.error;
  if (job.version !== undefined) wire.version = job.version;
  if (job.changes !== undefined) {
    const { upserted, deleted, unknownIds } = job.changes;
    wire.changes = { upserted, deleted, unknown_ids: [...unknownIds] };
  }
  return wire;
}

/** The 202 body of a route that started a job. */
export function accepted(job: BuildJobView): { job_id: string; status_url: string } {
  return { job_id: job.id, status_url: `/index/jobs/${job.id}` };
}

/** GET /index/versions body. */
export function versionsWire(versions: VersionInfo[]) {
  return {
    versions: versions.map((v) => ({
      version: v.version, ...(v.createdAt !== undefined ? { created_at: v.createdAt } : {}),
      documents: v.documents, passages: v.passages, segments: v.segments, current: v.current, serving: v.serving,
      ...(v.damaged !== undefined ? { damaged: v.damaged } : {}),
    })),
  };
}

/** GET /index/documents/:id body. */
export function documentWire(doc: StoredDocument) {
  return { id: doc.id, title: doc.title, text: doc.text, passages: doc.passages };
}
