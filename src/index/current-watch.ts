/**
 * Follows the store's `current` pointer when another replica moves it. A file-system watch on the store folder
 * notices a rename of `current` at once where the file system reports it; a poll every `pollMs` catches the rest
 * (network file systems deliver no events). Each pass reads `current`; when it names another version than the one
 * serving, the host loads and swaps it in exactly as after a local build (in-flight requests finish on their
 * version). A version that fails to load is reported once (log, `failures`), and the old one keeps serving until
 * `current` moves again. Passes run one at a time; a local job calls `catchUp()` under the store lease so that it
 * builds on the store's newest version rather than on a stale one.
 */
import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readCurrent } from './index-store.js';

/** What the watch needs of the index manager. */
export interface FollowHost {
  /** The version serving now. */
  serving(): string | undefined;
  /** True while a local job writes the store: it swaps in what it writes itself. */
  busy(): boolean;
  /** Loads `version` and swaps it in; false when the store moved on meanwhile (nothing was swapped). */
  follow(version: string): Promise<boolean>;
}

/** What the watch reports, for readiness and metrics. */
export interface FollowStatus {
  /** The version the store's `current` named at the last pass. */
  storeVersion?: string;
  /** Since when (ms since epoch, the time `current` was written) this replica serves another version than the store's. */
  behindSince?: number;
  /** The last version that failed to load, and why; the replica serves its previous version meanwhile. */
  failed?: { version: string; reason: string };
  /** Versions written elsewhere that now serve here, and those that failed to load. */
  followed: number;
  failures: number;
  /** Seconds from `current` naming the last version followed to its serving here. */
  lastLagSeconds?: number;
}

interface WatchLog {
  info(msg: string): void;
  warn(msg: string): void;
}

/** The watch over one store; see the module comment. */
export class CurrentWatch {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queued = false;
  private status: FollowStatus = { followed: 0, failures: 0 };
  private closed = false;

  constructor(
    private readonly indexDir: string,
    private readonly pollMs: number,
    private readonly host: FollowHost,
    private readonly log: WatchLog,
  ) {}

  /** Starts watching and polling. */
  start(): void {
    try {
      this.watcher = watch(this.indexDir, (_event, name) => {
        if (name === null || name === 'current') this.poke();
      });
      this.watcher.on('error', () => this.watcher?.close()); // the poll still runs
      this.watcher.unref();
    } catch (err) {
      this.log.warn(`index: cannot watch ${this.indexDir} (${err}); polling every ${this.pollMs} ms only`);
    }
    this.timer = setInterval(() => this.poke(), this.pollMs);
    this.timer.unref();
  }

  /** Where this replica stands against the store. */
  state(): FollowStatus {
    return { ...this.status, ...(this.status.failed ? { failed: { ...this.status.failed } } : {}) };
  }

  /** One pass now (after any running one), even while a local job runs: that job asks, holding the lease. */
  catchUp(): Promise<void> {
    this.chain = this.chain.then(() => this.pass(true));
    return this.chain;
  }

  /** Stops watching; a pass under way finishes. */
  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    clearInterval(this.timer);
    await this.chain;
  }

  /** Queues a pass unless one is queued already (events come in bursts). */
  private poke(): void {
    if (this.queued || this.closed) return;
    this.queued = true;
    this.chain = this.chain.then(() => {
      this.queued = false;
      return this.pass(false);
    });
  }

  private async pass(forced: boolean): Promise<void> {
    if (this.closed || (!forced && this.host.busy())) return;
    const pointed = await readCurrent(this.indexDir).catch(() => undefined); // damage: start-up and requests report it
    this.status.storeVersion = pointed;
    if (pointed === undefined || pointed === this.host.serving()) {
      this.status.behindSince = undefined;
      return;
    }
    if (this.status.failed?.version === pointed) return; // reported; serving the previous version
    this.status.behindSince ??= await this.writtenAt();
    try {
      if (!(await this.host.follow(pointed))) {
        this.poke(); // the store moved on while it loaded: look again
        return;
      }
      this.status.followed++;
      this.status.lastLagSeconds = Math.max(0, Date.now() - this.status.behindSince) / 1000;
      this.status.behindSince = undefined;
      this.status.failed = undefined;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.status.failed = { version: pointed, reason };
      this.status.behindSince = undefined;
      this.status.failures++;
      this.log.warn(`index: version ${pointed}, which another replica made current, failed to load (${reason}); ` +
        `still serving ${this.host.serving() ?? 'nothing'}`);
    }
  }

  /** When `current` was last written (its mtime), or now when that cannot be read. */
  private async writtenAt(): Promise<number> {
    const s = await stat(join(this.indexDir, 'current')).catch(() => undefined);
    return Math.min(Date.now(), s?.mtimeMs ?? Date.now());
  }
}
