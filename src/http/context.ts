/**
 * What every route plugin receives: the validated configuration and the services built by `buildApp`.
 */
import type { Config } from '../config.js';
import type { GenerationService } from './generation-service.js';
import type { IndexService } from './index-service.js';
import type { Metrics } from './metrics.js';

/** Route plugin options. */
export interface RouteContext {
  config: Config;
  generation: GenerationService;
  index: IndexService;
  metrics: Metrics;
}
