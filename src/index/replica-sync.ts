/**
 * What makes one index manager a replica among several on one store: the write lease every job holds
 * (store-lease.ts), the announcement of the versions it reads (replica-records.ts), and the watch that follows
 * `current` when another replica moves it (current-watch.ts). A process alone on its store runs the same code:
 * its lease is never contended and its announcement is the only one.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { BuildJobs, BuildJobView, BuildRunner } from './build-jobs.js';
import { CurrentWatch, type FollowHost, type FollowStatus } from './current-watch.js';
import { ReplicaRecords } from './replica-records.js';
import { StoreLease, StoreLeaseConflictError } from './store-lease.js';

/** How a replica shares its store. */
export interface ReplicaOptions {
  /**
   * Its name in the store (`RAG_REPLICA_ID`): one live process at a time, and the same across a restart, which
   * then takes back the lease its previous run left. By default a name of this process alone.
   */
  id?: string;
  /** Poll of `current` besides the file-system watch (`RAG_INDEX_POLL_MS`, default 2000). */
  pollMs?: number;
  /** The write lease's duration (`RAG_LEASE_MS`, default 30000); announcements go stale after twice that. */
  leaseMs?: number;
}

/** Where one replica stands, for GET /index, /readyz and the metrics. */
export interface ReplicaStatus extends FollowStatus {
  replica: string;
  serving?: string;
}

/** What the replica needs of its manager. */
export interface ReplicaHost extends FollowHost {
  /** Versions loaded now (serving, or read by requests in flight). */
  reading(): string[];
}

interface SyncLog {
  info(msg: string): void;
  warn(msg: string): void;
}

/** The replica side of an index manager; see the module comment. */
export class ReplicaSync {
  readonly id: string;
  readonly lease: StoreLease;
  private readonly records: ReplicaRecords;
  private readonly watch: CurrentWatch;
  /** Jobs of this process still holding the lease, and when they let go. */
  private readonly releases = new Map<string, Promise<void>>();

  constructor(indexDir: string, opts: ReplicaOptions, private readonly host: ReplicaHost, log: SyncLog) {
    this.id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(2).toString('hex')}`;
    const leaseMs = opts.leaseMs ?? 30_000;
    this.lease = new StoreLease(indexDir, this.id, leaseMs, log);
    this.records = new ReplicaRecords(indexDir, this.id, 2 * leaseMs,
      () => ({ serving: host.serving(), reading: host.reading() }), log);
    this.watch = new CurrentWatch(indexDir, opts.pollMs ?? 2_000, host, log);
  }

  /** Starts announcing what this replica reads (before it loads anything, so that nothing it loads is pruned). */
  announce(): void {
    this.records.start();
  }

  /** Says that what this replica reads has changed. */
  changed(): void {
    void this.records.announce();
  }

  /** Starts following `current` (once the manager has started). */
  follow(): void {
    this.watch.start();
  }

  /** Serves the store's `current` if it moved (a job calls it holding the lease, before building on the serving version). */
  catchUp(): Promise<void> {
    return this.watch.catchUp();
  }

  /**
   * Starts `runner` as a job holding the store's lease until it ends and `recorded` (its final record on disk)
   * resolves: a record left `running` with no live lease reads as interrupted. Throws the local BuildConflictError
   * while a job of this process runs, StoreLeaseConflictError while another replica's does.
   */
  startJob(jobs: BuildJobs, runner: BuildRunner, recorded: () => Promise<void> = async () => {}): BuildJobView {
    if (jobs.isBuilding()) return jobs.start(runner);
    const hold = this.lease.hold();
    let job: BuildJobView;
    try {
      job = jobs.start((report, signal) => runner(report, AbortSignal.any([signal, hold.lost])));
    } catch (err) {
      hold.release();
      throw err;
    }
    const released = jobs.wait(job.id).then(recorded).catch(() => {}).finally(() => {
      hold.release();
      this.releases.delete(job.id);
    });
    this.releases.set(job.id, released);
    return job;
  }

  /**
   * Resolves once this process could take the lease; rejects with StoreLeaseConflictError when another replica
   * still holds it after `patienceMs` (pruning holds it for milliseconds, a job for as long as it runs).
   */
  async waitWritable(patienceMs = 1_000): Promise<void> {
    const deadline = Date.now() + patienceMs;
    for (;;) {
      if (this.lease.held()) return;
      try {
        this.lease.hold().release();
        return;
      } catch (err) {
        if (!(err instanceof StoreLeaseConflictError) || Date.now() >= deadline) throw err;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Resolves once the job `id` (started here) has released the lease; at once for any other id. */
  settled(id: string): Promise<void> {
    return this.releases.get(id) ?? Promise.resolve();
  }

  /** Versions that the other live replicas announce they read: retention keeps them. */
  readByReplicas(): Promise<Set<string>> {
    return this.records.liveVersions();
  }

  /** Removes what dead replicas left (call holding the lease). */
  sweep(): Promise<void> {
    return this.records.sweep();
  }

  /** Where this replica stands against the store. */
  status(): ReplicaStatus {
    const serving = this.host.serving();
    return { replica: this.id, ...(serving ? { serving } : {}), ...this.watch.state() };
  }

  /** Why this replica should get no traffic yet: it has not loaded the version the store names. */
  notCaughtUp(): string | undefined {
    const { behindSince, storeVersion } = this.watch.state();
    if (behindSince === undefined) return undefined;
    return `replica ${this.id} is loading version ${storeVersion}, current in the store, and serves ` +
      `${this.host.serving() ?? 'nothing'} meanwhile`;
  }

  /** Stops following and announcing, and withdraws the announcement. */
  async close(): Promise<void> {
    await this.watch.close();
    await this.records.close();
  }
}
