/**
 * TypeBox schemas shared by the routes. The same objects drive request validation, response serialization and
 * the OpenAPI document (@fastify/swagger), so /docs/json always says what the server enforces.
 */
import { Type, type Static } from 'typebox';
import { INDEX_KINDS } from '../retriever/index-spec.js';

/** Bounds of the generation parameters (docs/API.md). */
export const LIMITS = {
  textChars: { min: 1, max: 2000 },
  nDocs: { min: 1, max: 50, default: 5 },
  numBeams: { min: 1, max: 8, default: 4 },
  maxNewTokens: { min: 1, max: 256, default: 50 },
} as const;

/** `{"error": {"code", "message"}}`, the body of every error response. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'stable machine-readable code, e.g. invalid_request' }),
    message: Type.String({ description: 'what went wrong, naming the field and its limit' }),
  }),
}, { title: 'ErrorBody' });

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request; the message names the field (or line) and its limit',
  401: 'No bearer token',
  403: 'Wrong bearer token, or index updates are disabled (no RAG_ADMIN_TOKEN)',
  404: 'Not found',
  409: 'Another index build is running',
  413: 'Body larger than the limit',
  415: 'Unsupported Content-Type',
  429: 'Queue full; retry after the Retry-After header',
  500: 'Internal error (details are logged, not returned)',
  503: 'Not ready, shutting down, saturated or past the deadline; see Retry-After',
  507: 'The disk holding the index is full; the upload was discarded',
};

/** Error responses for a route's schema: `errorResponses(400, 503)` -> {400: ErrorBody, 503: ErrorBody}. */
export function errorResponses(...statuses: number[]): Record<number, typeof ErrorBody> {
  const out: Record<number, typeof ErrorBody> = {};
  for (const status of statuses) {
    out[status] = Type.Object(ErrorBody.properties, { description: ERROR_DESCRIPTIONS[status] }) as typeof ErrorBody;
  }
  return out;
}

/** A string enum as one `{"type": "string", "enum": [...]}`, which reads better in OpenAPI 3.0 than anyOf/const. */
function stringEnum<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

const RagModeSchema = stringEnum(['token', 'sequence'], '"token" (RAG-Token, default) or "sequence" (RAG-Sequence)');

/** Generation options shared by /answer and /jeopardy. */
const bounded = (limit: { min: number; max: number; default: number }, description: string) =>
  Type.Optional(Type.Integer({ minimum: limit.min, maximum: limit.max, default: limit.default, description }));

const generationOptions = {
  n_docs: bounded(LIMITS.nDocs, 'passages retrieved'),
  mode: Type.Optional(RagModeSchema),
  num_beams: bounded(LIMITS.numBeams, 'beam width (1 when streaming)'),
  max_new_tokens: bounded(LIMITS.maxNewTokens, 'most tokens generated'),
  thorough: Type.Optional(Type.Boolean({
    description: 'RAG-Sequence: rescore every candidate against every document (true, the default); false: fast '
      + 'decoding, each candidate scored only by the documents whose beams produced it. RAG-Token ignores it',
  })),
};

const boundedText = (description: string) =>
  Type.String({ minLength: LIMITS.textChars.min, maxLength: LIMITS.textChars.max, description });

/** POST /answer body. */
export const AnswerBody = Type.Object({
  question: boundedText('the question, 1..2000 characters after trimming'),
  ...generationOptions,
  explain: Type.Optional(Type.Union([Type.Boolean(), stringEnum(['tokens', 'loo'])], {
    description: 'true or "tokens": add per-token posteriors over the documents; "loo": also the answer\'s '
      + 'log-likelihood without each document (leave-one-out attribution)',
  })),
  min_confidence: Type.Optional(Type.Number({
    minimum: 0, maximum: 1,
    description: "abstain (answer null) below this confidence; default: the model bundle's min_confidence (0: never)",
  })),
  extractive: Type.Optional(Type.Boolean({
    description: "answer only with text copied from a retrieved passage; default: the model bundle's setting",
  })),
  stream: Type.Optional(Type.Boolean({ description: 'answer text/event-stream: token events, then done' })),
}, { additionalProperties: false });
export type AnswerBody = Static<typeof AnswerBody>;

/** POST /jeopardy body. */
export const JeopardyBody = Type.Object({
  answer: boundedText('the answer the clue must lead to, 1..2000 characters after trimming'),
  ...generationOptions,
}, { additionalProperties: false });
export type JeopardyBody = Static<typeof JeopardyBody>;

/** A retrieved passage on the wire. */
export const RetrievedDocument = Type.Object({
  id: Type.String({ description: 'passage id' }),
  doc_id: Type.String({ description: 'id of the uploaded document the passage came from' }),
  title: Type.String(),
  text: Type.String(),
  score: Type.Number({ description: 'raw inner product of question and passage vectors' }),
  weight: Type.Number({ description: 'p(z|x): softmax of the scores over the returned documents' }),
});

const Timings = Type.Object({ retrieve: Type.Number(), generate: Type.Number(), total: Type.Number() });

const TokenExplanation = Type.Object({
  text: Type.String(),
  doc_weights: Type.Array(Type.Number(), { description: 'posterior over the returned documents for this token' }),
});

const resultFields = {
  confidence: Type.Number({ minimum: 0, maximum: 1, description: 'geometric mean of the output tokens\' marginal probabilities' }),
  mode: RagModeSchema,
  documents: Type.Array(RetrievedDocument),
  index_version: Type.String(),
  timings_ms: Timings,
};

const AnswerSpan = Type.Object({
  document: Type.Integer({ description: 'index of the passage in `documents`' }),
  field: stringEnum(['title', 'text']),
  start: Type.Integer({ description: 'offset of the first character, in UTF-16 code units' }),
  end: Type.Integer({ description: 'offset after the last character' }),
}, { description: 'where an extractive answer stands in a returned passage: field.slice(start, end) is the answer' });

const Attribution = Type.Object({
  log_likelihood: Type.Number({ description: 'log p(answer | question) over all returned documents' }),
  without_document: Type.Array(Type.Union([Type.Number(), Type.Null()]), {
    description: 'per document, the log-likelihood with that document removed (null when it is the only one)',
  }),
  depends_on: Type.Integer({ description: 'the document whose removal lowers the likelihood most' }),
}, { description: 'leave-one-document-out attribution (explain: "loo")' });

/** POST /answer 200 body (also the `done` event's data when streaming). */
export const AnswerResponse = Type.Object({
  answer: Type.Union([Type.String(), Type.Null()], { description: 'the answer; null when the service abstained' }),
  abstained: Type.Boolean({ description: 'true when the confidence fell below min_confidence' }),
  ...resultFields,
  tokens: Type.Optional(Type.Array(TokenExplanation)),
  answer_spans: Type.Optional(Type.Array(AnswerSpan, { description: 'extractive answers: every place the answer stands' })),
  attribution: Type.Optional(Attribution),
}, { description: 'The answer with the documents it was generated from' });
export type AnswerResponse = Static<typeof AnswerResponse>;

/** POST /jeopardy 200 body. */
export const JeopardyResponse = Type.Object({ question: Type.String({ description: 'the generated clue' }), ...resultFields },
  { description: 'A Jeopardy-style clue with the documents it was generated from' });
export type JeopardyResponse = Static<typeof JeopardyResponse>;

/** GET /index body and PUT /index?wait=true 200 body. */
export const IndexDescriptionSchema = Type.Object({
  version: Type.String(),
  documents: Type.Integer(),
  passages: Type.Integer(),
  dimension: Type.Integer(),
  index_type: Type.String({ description: 'FAISS factory string, e.g. IndexFlatIP, HNSW32,Flat or IVF1024,PQ96x8np' }),
  built_at: Type.String({ description: 'ISO 8601 time the version was built' }),
  model: Type.String({ description: 'identity of the model bundle that embedded the passages' }),
  device: Type.Optional(Type.Union([Type.Literal('cpu'), Type.Literal('cuda')],
    { description: 'execution provider the models actually run on (CUDA falls back to CPU)' })),
  degraded: Type.Optional(Type.String({
    description: 'present when the version `current` names is damaged or missing: why, and which version serves instead',
  })),
  replica: Type.Optional(Type.String({ description: 'the replica answering (RAG_REPLICA_ID), one of those sharing the store' })),
}, { description: 'The index version serving' });
export type IndexDescriptionWire = Static<typeof IndexDescriptionSchema>;

/** PUT /index 202 body. */
export const JobAccepted = Type.Object({ job_id: Type.String(), status_url: Type.String() },
  { description: 'Upload accepted; the build runs as a job' });

/** `?wait=true` of the routes that start an index job. */
export const WaitQuery = Type.Object({
  wait: Type.Optional(Type.Boolean({ description: 'answer 200 once the new version serves, instead of 202 at once' })),
});

/** PUT /index's query: `?wait=true`, and the index kind to build. */
export const BuildQuery = Type.Object({
  ...WaitQuery.properties,
  index_type: Type.Optional(stringEnum(['auto', ...INDEX_KINDS],
    '"flat" (exact), "hnsw" (graph) or "ivf_pq" (compressed, re-ranked exactly); "auto" (default) picks by corpus size')),
});

/** What a document change did (in its job's status). */
export const ChangeSummarySchema = Type.Object({
  upserted: Type.Integer({ description: 'documents added or replaced' }),
  deleted: Type.Integer({ description: 'documents deleted' }),
  unknown_ids: Type.Array(Type.String(), { description: 'ids asked to be deleted that no document has' }),
});

/** GET /index/jobs/:id body (and the 200 body of a document change or an activation with ?wait=true). */
export const JobStatus = Type.Object({
  job_id: Type.String(),
  state: stringEnum(['queued', 'running', 'succeeded', 'failed']),
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
  error: Type.Optional(Type.String()),
  version: Type.Optional(Type.String()),
  changes: Type.Optional(ChangeSummarySchema),
}, { description: 'An index job: a build, a document change, a compaction or an activation' });
export type JobStatus = Static<typeof JobStatus>;

/** One uploaded document (a line of NDJSON, or an element of `documents`). */
export const UploadDocument = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1 })),
  title: Type.String(),
  text: Type.String({ minLength: 1 }),
}, { additionalProperties: false });

/** DELETE /index/documents body. */
export const DeleteDocumentsBody = Type.Object({
  ids: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'ids of the documents to delete' }),
}, { additionalProperties: false });
export type DeleteDocumentsBody = Static<typeof DeleteDocumentsBody>;

/** GET /index/documents/:id body. */
export const StoredDocumentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  text: Type.String({ description: "the document's passages joined by spaces (whitespace runs become one space)" }),
  passages: Type.Integer(),
}, { description: 'A document of the serving index' });

/** GET /index/versions body. */
export const VersionList = Type.Object({
  versions: Type.Array(Type.Object({
    version: Type.String(),
    created_at: Type.Optional(Type.String({ description: 'ISO 8601 time the version was made' })),
    documents: Type.Integer(),
    passages: Type.Integer(),
    segments: Type.Integer(),
    current: Type.Boolean({ description: 'the version `current` names' }),
    serving: Type.Boolean({ description: 'the version answering requests now' }),
    damaged: Type.Optional(Type.String({ description: 'why it cannot serve' })),
  })),
}, { description: 'The index versions on disk, oldest first' });

/** A streamed corpus body (PUT /index, POST /index/documents): NDJSON, or JSON `{"documents": [...]}`. */
export function corpusBody(lineDescription: string) {
  return {
    content: {
      'application/x-ndjson': { schema: Type.String({ description: lineDescription }) },
      'application/json': { schema: Type.Object({ documents: Type.Array(UploadDocument) }) },
    },
  };
}

/** GET /healthz and /readyz body. */
export const HealthBody = Type.Object({ status: Type.String() }, { description: 'Alive (healthz) or ready (readyz)' });
