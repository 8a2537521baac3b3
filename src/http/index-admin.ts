/**
 * What the server and the HTTP layer need from the index manager (src/index/index-manager.ts): start and close
 * it, describe the serving index, start a build from a validated NDJSON file, change documents, list and activate
 * versions, and report jobs. The routes and the server depend on this narrow interface only.
 */
import type { BuildJobView } from '../index/build-jobs.js';
import type { DocumentChange } from '../index/document-changes.js';
import type { ReplicaStatus } from '../index/replica-sync.js';
import type { StoredDocument } from '../types/corpus.js';
import type { VersionInfo } from '../index/version-list.js';
import type { IndexDescription } from '../types/serving-index.js';
import type { IndexKind } from '../retriever/index-spec.js';

/** The index manager as the server and the routes see it (the real IndexManager, or a test double). */
export interface IndexAdmin {
  /** Opens the serving version (or builds the first one); resolves once one serves or none can. */
  start(): Promise<void>;
  /** Cancels any job and stops serving. */
  close(): Promise<void>;
  /** The index serving now, or undefined before one is loaded. */
  describe(): IndexDescription | undefined;
  /** Why no index serves (damage, a failed build), or undefined while one serves or is still loading. */
  unavailable(): string | undefined;
  /** Throws BuildConflictError (409) while a job is queued or running: an upload is refused before it is read. */
  refuseIfBusy(): void;
  /**
   * Starts building a new version from a validated NDJSON file, which the manager owns from then on (it removes it
   * when the job ends, or at once when it refuses). Throws BuildConflictError when another job runs.
   */
  startBuild(ndjsonPath: string, indexKind?: IndexKind): BuildJobView;
  /** The job with this id, or undefined. */
  getJob(id: string): BuildJobView | undefined;
  /** The job with this id as the shared store records it (another replica's too), or undefined. */
  readJob?(id: string): Promise<BuildJobView | undefined>;
  /**
   * Resolves when this replica may write the store; rejects with a ConflictError (409, naming the holder and since
   * when) while another replica's job holds it (a hold of a few milliseconds, for pruning, is waited out).
   */
  waitWritable?(): Promise<void>;
  /** Why this replica should get no traffic although it serves: it has not loaded the store's current version. */
  notCaughtUp?(): string | undefined;
  /** Where this replica stands against the shared store (GET /metrics). */
  replicaStatus?(): ReplicaStatus;
  /** Resolves with the job once it succeeded (and the new version serves) or failed. */
  waitForJob(id: string): Promise<BuildJobView>;
  /**
   * Starts a job applying upserts (a validated NDJSON file, every document with an id, owned by the manager from
   * then on, refused or not) and deletions to the serving version. Throws BuildConflictError when another job runs.
   */
  startChange(change: DocumentChange): BuildJobView;
  /** Starts a job serving an existing version; throws NotFoundError when there is none of that name. */
  activate(version: string): Promise<BuildJobView>;
  /** The versions on disk, oldest first. */
  listVersions(): Promise<VersionInfo[]>;
  /** The live document with this id in the serving version, or undefined. */
  getDocument(id: string): Promise<StoredDocument | undefined>;
}
