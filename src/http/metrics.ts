/**
 * Prometheus metrics in the manner of text-generation-inference: request latency per route and status, tokens
 * generated, queue depth and wait, the serving index's version and size, and build jobs by outcome.
 * Each app owns its registry, so several apps (tests) never share counters.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { IndexDescription } from '../types/serving-index.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const TOKEN_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/** The service's metrics, registered on their own registry. */
export class Metrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'route' | 'method' | 'status'>;
  readonly generatedTokens: Counter<'route'>;
  readonly tokensPerRequest: Histogram<'route'>;
  readonly phaseDuration: Histogram<'phase'>;
  readonly queueSize: Gauge;
  readonly running: Gauge;
  readonly queueWait: Histogram;
  readonly buildJobs: Counter<'outcome'>;
  readonly abstentions: Counter;

  /** `describeIndex` is read at scrape time, so the index gauges always show the version serving now. */
  constructor(describeIndex: () => IndexDescription | undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: 'rag_request_duration_seconds', help: 'HTTP request latency by route, method and status',
      labelNames: ['route', 'method', 'status'], buckets: LATENCY_BUCKETS, registers,
    });
    this.generatedTokens = new Counter({
      name: 'rag_generated_tokens_total', help: 'Tokens generated, by route', labelNames: ['route'], registers,
    });
    this.tokensPerRequest = new Histogram({
      name: 'rag_request_generated_tokens', help: 'Tokens generated per request', labelNames: ['route'],
      buckets: TOKEN_BUCKETS, registers,
    });
    this.phaseDuration = new Histogram({
      name: 'rag_phase_duration_seconds', help: 'Time spent retrieving and generating per request',
      labelNames: ['phase'], buckets: LATENCY_BUCKETS, registers,
    });
    this.abstentions = new Counter({
      name: 'rag_abstentions_total', help: 'Answers withheld because their confidence fell below min_confidence', registers,
    });
    this.queueSize = new Gauge({ name: 'rag_queue_size', help: 'Requests waiting for a generation slot', registers });
    this.running = new Gauge({ name: 'rag_running_requests', help: 'Generations running now', registers });
    this.queueWait = new Histogram({
      name: 'rag_queue_wait_seconds', help: 'Time a request waited for a generation slot',
      buckets: LATENCY_BUCKETS, registers,
    });
    this.buildJobs = new Counter({
      name: 'rag_index_build_jobs_total', help: 'Index build jobs by outcome (started, succeeded, failed, rejected)',
      labelNames: ['outcome'], registers,
    });
    new Gauge({
      name: 'rag_index_info', help: 'The index version serving now (value 1)', labelNames: ['version', 'index_type'],
      registers,
      collect() {
        this.reset();
        const d = describeIndex();
        if (d) this.set({ version: d.version, index_type: d.indexType }, 1);
      },
    });
    new Gauge({
      name: 'rag_index_passages', help: 'Passages in the serving index', registers,
      collect() {
        this.set(describeIndex()?.passages ?? 0);
      },
    });
    new Gauge({
      name: 'rag_index_documents', help: 'Documents in the serving index', registers,
      collect() {
        this.set(describeIndex()?.documents ?? 0);
      },
    });
  }
}
