/**
 * Runs one generation for a route: refuses when the engine is not ready, takes a concurrency permit, calls the
 * engine with the request's abort signal, and records tokens and phase timings. Returns the engine's plain result;
 * the route maps it to the wire format.
 */
import type { RagEngine } from '../rag/engine.js';
import type { GenerationResult } from '../rag/types.js';
import { NotReadyError } from '../errors.js';
import type { Metrics } from './metrics.js';
import type { Permits } from './permits.js';

/** Which route a generation serves (a metrics label). */
export type GenerationRoute = 'answer' | 'jeopardy';

/** Concurrency-limited access to the engine. */
export class GenerationService {
  private stopped = false;

  constructor(
    private readonly engine: RagEngine,
    private readonly permits: Permits,
    private readonly metrics: Metrics,
    /** Why the index cannot serve, when it cannot (said in the 503 instead of "still loading"). */
    private readonly indexUnavailable: () => string | undefined = () => undefined,
  ) {}

  /** True when the engine can serve and the service is not shutting down. */
  ready(): boolean {
    return !this.stopped && this.engine.ready();
  }

  /** The 503 for a request that comes while the engine cannot serve, with the index's reason when it has one. */
  notReady(): NotReadyError {
    if (this.stopped) return new NotReadyError('the server is shutting down', 1);
    const why = this.indexUnavailable();
    return why ? new NotReadyError(`the service is not ready: ${why}`) : new NotReadyError();
  }

  /** Refuses new work from now on (graceful shutdown); in-flight generations continue. */
  stopAccepting(): void {
    this.stopped = true;
  }

  /** True once the server is shutting down: the app refuses every request that would start work. */
  get shuttingDown(): boolean {
    return this.stopped;
  }

  /**
   * Runs `call(engine)` under a permit. When `signal` aborts, the abort reason (a typed error) is thrown instead
   * of whatever the engine threw, so a deadline or a departed client is reported as such.
   */
  async run(route: GenerationRoute, signal: AbortSignal,
    call: (engine: RagEngine) => Promise<GenerationResult>): Promise<GenerationResult> {
    if (!this.ready()) throw this.notReady();
    const release = await this.permits.acquire(signal);
    this.metrics.running.inc();
    try {
      const result = await call(this.engine);
      signal.throwIfAborted();
      this.metrics.generatedTokens.inc({ route }, result.generatedTokens);
      this.metrics.tokensPerRequest.observe({ route }, result.generatedTokens);
      this.metrics.phaseDuration.observe({ phase: 'retrieve' }, result.timingsMs.retrieve / 1000);
      this.metrics.phaseDuration.observe({ phase: 'generate' }, result.timingsMs.generate / 1000);
      if (result.abstained) this.metrics.abstentions.inc();
      return result;
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw err;
    } finally {
      this.metrics.running.dec();
      release();
    }
  }
}
