/**
 * What the HTTP layer needs from the index manager (src/index/index-manager.ts): describe the serving index,
 * start a build from a validated NDJSON file, and report build jobs. Routes depend on this narrow interface only.
 */
import type { IndexDescription } from '../rag/types.js';

/** States of a build job, as GET /index/jobs/:id reports them. */
export type BuildState = 'queued' | 'running' | 'succeeded' | 'failed';

/** A build job as the HTTP layer reports it. */
export interface BuildJobView {
  id: string;
  state: BuildState;
  progress: { done: number; total: number };
  error?: string;
  /** The version built, once succeeded. */
  version?: string;
}

/** The index manager as seen from the routes. */
export interface IndexAdmin {
  /** The index serving now, or undefined before one is loaded. */
  describe(): IndexDescription | undefined;
  /** Why no index serves (damage, a failed build), or undefined while one serves or is still loading. */
  unavailable(): string | undefined;
  /** True while a build is queued or running (PUT /index answers 409 before reading the body). */
  isBuilding(): boolean;
  /**
   * Starts building a new version from a validated NDJSON file, which the manager owns from then on (it removes it
   * when done). Throws BuildConflictError when another build runs.
   */
  startBuild(ndjsonPath: string): BuildJobView;
  /** The job with this id, or undefined. */
  getJob(id: string): BuildJobView | undefined;
  /** Resolves with the job once it succeeded (and the new version serves) or failed. */
  waitForJob(id: string): Promise<BuildJobView>;
}
