// Generated from the app's OpenAPI document by `npx tsx test/helpers/openapi.ts`. Do not edit.
export interface paths {
    "/answer": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Answer a question from retrieved passages */
        post: operations["answer"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jeopardy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Generate a Jeopardy-style clue for an answer */
        post: operations["jeopardy"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Describe the index serving now */
        get: operations["describeIndex"];
        /** Replace the corpus and build a new index version (admin) */
        put: operations["replaceIndex"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Status of an index build job */
        get: operations["getIndexJob"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index/documents": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add or replace documents by id (admin) */
        post: operations["upsertDocuments"];
        /** Delete documents by id (admin) */
        delete: operations["deleteDocuments"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index/documents/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A document of the serving index */
        get: operations["getDocument"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The index versions on disk */
        get: operations["listIndexVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/index/versions/{version}/activate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Serve an existing index version again (admin) */
        post: operations["activateIndexVersion"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    answer: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the question, 1..2000 characters after trimming */
                    question: string;
                    /**
                     * @description passages retrieved
                     * @default 5
                     */
                    n_docs?: number;
                    /**
                     * @description "token" (RAG-Token, default) or "sequence" (RAG-Sequence)
                     * @enum {string}
                     */
                    mode?: "token" | "sequence";
                    /**
                     * @description beam width (1 when streaming)
                     * @default 4
                     */
                    num_beams?: number;
                    /**
                     * @description most tokens generated
                     * @default 50
                     */
                    max_new_tokens?: number;
                    /** @description RAG-Sequence: rescore every candidate against every document (true, the default); false: fast decoding, each candidate scored only by the documents whose beams produced it. RAG-Token ignores it */
                    thorough?: boolean;
                    /** @description true or "tokens": add per-token posteriors over the documents; "loo": also the answer's log-likelihood without each document (leave-one-out attribution) */
                    explain?: boolean | ("tokens" | "loo");
                    /** @description abstain (answer null) below this confidence; default: the model bundle's min_confidence (0: never) */
                    min_confidence?: number;
                    /** @description answer only with text copied from a retrieved passage; default: the model bundle's setting */
                    extractive?: boolean;
                    /** @description answer text/event-stream: token events, then done */
                    stream?: boolean;
                };
            };
        };
        responses: {
            /** @description The answer, or with `stream: true` an event stream of `token` events and one `done` event */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description the answer; null when the service abstained */
                        answer: string | null;
                        /** @description true when the confidence fell below min_confidence */
                        abstained: boolean;
                        /** @description geometric mean of the output tokens' marginal probabilities */
                        confidence: number;
                        /**
                         * @description "token" (RAG-Token, default) or "sequence" (RAG-Sequence)
                         * @enum {string}
                         */
                        mode: "token" | "sequence";
                        documents: {
                            /** @description passage id */
                            id: string;
                            /** @description id of the uploaded document the passage came from */
                            doc_id: string;
                            title: string;
                            text: string;
                            /** @description raw inner product of question and passage vectors */
                            score: number;
                            /** @description p(z|x): softmax of the scores over the returned documents */
                            weight: number;
                        }[];
                        index_version: string;
                        timings_ms: {
                            retrieve: number;
                            generate: number;
                            total: number;
                        };
                        tokens?: {
                            text: string;
                            /** @description posterior over the returned documents for this token */
                            doc_weights: number[];
                        }[];
                        /** @description extractive answers: every place the answer stands */
                        answer_spans?: {
                            /** @description index of the passage in `documents` */
                            document: number;
                            /** @enum {string} */
                            field: "title" | "text";
                            /** @description offset of the first character, in UTF-16 code units */
                            start: number;
                            /** @description offset after the last character */
                            end: number;
                        }[];
                        /** @description leave-one-document-out attribution (explain: "loo") */
                        attribution?: {
                            /** @description log p(answer | question) over all returned documents */
                            log_likelihood: number;
                            /** @description per document, the log-likelihood with that document removed (null when it is the only one) */
                            without_document: (number | null)[];
                            /** @description the document whose removal lowers the likelihood most */
                            depends_on: number;
                        };
                    };
                    "text/event-stream": string;
                };
            };
            /** @description Invalid request; the message names the field (or line) and its limit */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Body larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Unsupported Content-Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Queue full; retry after the Retry-After header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Internal error (details are logged, not returned) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    jeopardy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description the answer the clue must lead to, 1..2000 characters after trimming */
                    answer: string;
                    /**
                     * @description passages retrieved
                     * @default 5
                     */
                    n_docs?: number;
                    /**
                     * @description "token" (RAG-Token, default) or "sequence" (RAG-Sequence)
                     * @enum {string}
                     */
                    mode?: "token" | "sequence";
                    /**
                     * @description beam width (1 when streaming)
                     * @default 4
                     */
                    num_beams?: number;
                    /**
                     * @description most tokens generated
                     * @default 50
                     */
                    max_new_tokens?: number;
                    /** @description RAG-Sequence: rescore every candidate against every document (true, the default); false: fast decoding, each candidate scored only by the documents whose beams produced it. RAG-Token ignores it */
                    thorough?: boolean;
                };
            };
        };
        responses: {
            /** @description A Jeopardy-style clue with the documents it was generated from */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description the generated clue */
                        question: string;
                        /** @description geometric mean of the output tokens' marginal probabilities */
                        confidence: number;
                        /**
                         * @description "token" (RAG-Token, default) or "sequence" (RAG-Sequence)
                         * @enum {string}
                         */
                        mode: "token" | "sequence";
                        documents: {
                            /** @description passage id */
                            id: string;
                            /** @description id of the uploaded document the passage came from */
                            doc_id: string;
                            title: string;
                            text: string;
                            /** @description raw inner product of question and passage vectors */
                            score: number;
                            /** @description p(z|x): softmax of the scores over the returned documents */
                            weight: number;
                        }[];
                        index_version: string;
                        timings_ms: {
                            retrieve: number;
                            generate: number;
                            total: number;
                        };
                    };
                };
            };
            /** @description Invalid request; the message names the field (or line) and its limit */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Body larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Unsupported Content-Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Queue full; retry after the Retry-After header */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Internal error (details are logged, not returned) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    describeIndex: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The index version serving */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        version: string;
                        documents: number;
                        passages: number;
                        dimension: number;
                        /** @description FAISS factory string, e.g. IndexFlatIP, HNSW32,Flat or IVF1024,PQ96x8np */
                        index_type: string;
                        /** @description ISO 8601 time the version was built */
                        built_at: string;
                        /** @description identity of the model bundle that embedded the passages */
                        model: string;
                        /** @description execution provider the models actually run on (CUDA falls back to CPU) */
                        device?: "cpu" | "cuda";
                        /** @description present when the version `current` names is damaged or missing: why, and which version serves instead */
                        degraded?: string;
                        /** @description the replica answering (RAG_REPLICA_ID), one of those sharing the store */
                        replica?: string;
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    replaceIndex: {
        parameters: {
            query?: {
                /** @description answer 200 once the new version serves, instead of 202 at once */
                wait?: boolean;
                /** @description "flat" (exact), "hnsw" (graph) or "ivf_pq" (compressed, re-ranked exactly); "auto" (default) picks by corpus size */
                index_type?: "auto" | "flat" | "hnsw" | "ivf_pq";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-ndjson": string;
                "application/json": {
                    documents: {
                        id?: string;
                        title: string;
                        text: string;
                    }[];
                };
            };
        };
        responses: {
            /** @description The index version serving */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        version: string;
                        documents: number;
                        passages: number;
                        dimension: number;
                        /** @description FAISS factory string, e.g. IndexFlatIP, HNSW32,Flat or IVF1024,PQ96x8np */
                        index_type: string;
                        /** @description ISO 8601 time the version was built */
                        built_at: string;
                        /** @description identity of the model bundle that embedded the passages */
                        model: string;
                        /** @description execution provider the models actually run on (CUDA falls back to CPU) */
                        device?: "cpu" | "cuda";
                        /** @description present when the version `current` names is damaged or missing: why, and which version serves instead */
                        degraded?: string;
                        /** @description the replica answering (RAG_REPLICA_ID), one of those sharing the store */
                        replica?: string;
                    };
                };
            };
            /** @description Upload accepted; the build runs as a job */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        status_url: string;
                    };
                };
            };
            /** @description Invalid request; the message names the field (or line) and its limit */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description No bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Wrong bearer token, or index updates are disabled (no RAG_ADMIN_TOKEN) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Another index build is running */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Body larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Unsupported Content-Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Internal error (details are logged, not returned) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description The disk holding the index is full; the upload was discarded */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    getIndexJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An index job: a build, a document change, a compaction or an activation */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        /** @enum {string} */
                        state: "queued" | "running" | "succeeded" | "failed";
                        progress: {
                            done: number;
                            total: number;
                        };
                        error?: string;
                        version?: string;
                        changes?: {
                            /** @description documents added or replaced */
                            upserted: number;
                            /** @description documents deleted */
                            deleted: number;
                            /** @description ids asked to be deleted that no document has */
                            unknown_ids: string[];
                        };
                    };
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    upsertDocuments: {
        parameters: {
            query?: {
                /** @description answer 200 once the new version serves, instead of 202 at once */
                wait?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/x-ndjson": string;
                "application/json": {
                    documents: {
                        id?: string;
                        title: string;
                        text: string;
                    }[];
                };
            };
        };
        responses: {
            /** @description An index job: a build, a document change, a compaction or an activation */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        /** @enum {string} */
                        state: "queued" | "running" | "succeeded" | "failed";
                        progress: {
                            done: number;
                            total: number;
                        };
                        error?: string;
                        version?: string;
                        changes?: {
                            /** @description documents added or replaced */
                            upserted: number;
                            /** @description documents deleted */
                            deleted: number;
                            /** @description ids asked to be deleted that no document has */
                            unknown_ids: string[];
                        };
                    };
                };
            };
            /** @description Upload accepted; the build runs as a job */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        status_url: string;
                    };
                };
            };
            /** @description Invalid request; the message names the field (or line) and its limit */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description No bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Wrong bearer token, or index updates are disabled (no RAG_ADMIN_TOKEN) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Another index build is running */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Body larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Unsupported Content-Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Internal error (details are logged, not returned) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description The disk holding the index is full; the upload was discarded */
            507: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    deleteDocuments: {
        parameters: {
            query?: {
                /** @description answer 200 once the new version serves, instead of 202 at once */
                wait?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description ids of the documents to delete */
                    ids: string[];
                };
            };
        };
        responses: {
            /** @description An index job: a build, a document change, a compaction or an activation */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        /** @enum {string} */
                        state: "queued" | "running" | "succeeded" | "failed";
                        progress: {
                            done: number;
                            total: number;
                        };
                        error?: string;
                        version?: string;
                        changes?: {
                            /** @description documents added or replaced */
                            upserted: number;
                            /** @description documents deleted */
                            deleted: number;
                            /** @description ids asked to be deleted that no document has */
                            unknown_ids: string[];
                        };
                    };
                };
            };
            /** @description Upload accepted; the build runs as a job */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        status_url: string;
                    };
                };
            };
            /** @description Invalid request; the message names the field (or line) and its limit */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description No bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Wrong bearer token, or index updates are disabled (no RAG_ADMIN_TOKEN) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Another index build is running */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Body larger than the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Unsupported Content-Type */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Internal error (details are logged, not returned) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    getDocument: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A document of the serving index */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        title: string;
                        /** @description the document's passages joined by spaces (whitespace runs become one space) */
                        text: string;
                        passages: number;
                    };
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    listIndexVersions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The index versions on disk, oldest first */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        versions: {
                            version: string;
                            /** @description ISO 8601 time the version was made */
                            created_at?: string;
                            documents: number;
                            passages: number;
                            segments: number;
                            /** @description the version `current` names */
                            current: boolean;
                            /** @description the version answering requests now */
                            serving: boolean;
                            /** @description why it cannot serve */
                            damaged?: string;
                        }[];
                    };
                };
            };
        };
    };
    activateIndexVersion: {
        parameters: {
            query?: {
                /** @description answer 200 once the new version serves, instead of 202 at once */
                wait?: boolean;
            };
            header?: never;
            path: {
                version: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description An index job: a build, a document change, a compaction or an activation */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        /** @enum {string} */
                        state: "queued" | "running" | "succeeded" | "failed";
                        progress: {
                            done: number;
                            total: number;
                        };
                        error?: string;
                        version?: string;
                        changes?: {
                            /** @description documents added or replaced */
                            upserted: number;
                            /** @description documents deleted */
                            deleted: number;
                            /** @description ids asked to be deleted that no document has */
                            unknown_ids: string[];
                        };
                    };
                };
            };
            /** @description Upload accepted; the build runs as a job */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        job_id: string;
                        status_url: string;
                    };
                };
            };
            /** @description No bearer token */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Wrong bearer token, or index updates are disabled (no RAG_ADMIN_TOKEN) */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not found */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Another index build is running */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Internal error (details are logged, not returned) */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive (healthz) or ready (readyz) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                    };
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Alive (healthz) or ready (readyz) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                    };
                };
            };
            /** @description Not ready, shutting down, saturated or past the deadline; see Retry-After */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: {
                            /** @description stable machine-readable code, e.g. invalid_request */
                            code: string;
                            /** @description what went wrong, naming the field and its limit */
                            message: string;
                        };
                    };
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Prometheus text format */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
}
