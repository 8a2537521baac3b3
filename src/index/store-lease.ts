/**
 * The write lease of a shared index store (`<RAG_INDEX_DIR>/lease`): one replica at a time may write versions,
 * segments, `current`, or delete anything. The file holds `{owner, token, acquired_at, expires_at}`:
 *
 * - taken by hard-linking a complete temporary file to `lease` (link fails when the name exists, on local and NFS
 *   file systems alike, so two takers cannot both win, and a reader never sees a half-written lease);
 * - renewed every third of its duration while held (write-temp-then-rename), so a running job keeps it;
 * - broken by another replica once `expires_at` has passed (its holder crashed or stalled): renamed away under a
 *   name of the breaker's own, checked to be the stale lease it read (a fresh one taken meanwhile is put back),
 *   then taken as above. Expiry compares clocks of different machines: they must agree within a fraction of it.
 *
 * A replica restarted under the same id takes back the lease its previous run left (reclaimOwn).
 * A holder that finds its lease gone or replaced at a renewal has lost it: its `lost` signal aborts the job, and
 * `verify()` lets it check once more right before it points `current` elsewhere.
 * Held counts nest within one process (a job, and the pruning after it), and the file goes when the last ends.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConflictError } from '../errors.js';

/** The lease file's content. */
export interface LeaseRecord {
  owner: string;
  token: string;
  acquired_at: string;
  expires_at: string;
}

/** 409: another replica holds the store's write lease. */
export class StoreLeaseConflictError extends ConflictError {
  constructor(readonly lease: LeaseRecord) {
    super(`replica ${lease.owner} has been writing the index store since ${lease.acquired_at} (its lease runs ` +
      `until ${lease.expires_at} unless renewed); retry when its job has finished`);
  }
}

/** One hold on the lease: release it when the work ends; `lost` aborts when another replica took the lease. */
export interface LeaseHold {
  readonly lost: AbortSignal;
  release(): void;
}

interface LeaseLog {
  warn(msg: string): void;
}

/** The lease of one store, as one process takes it; see the module comment. */
export class StoreLease {
  private holds = 0;
  private token = '';
  private acquiredAt = '';
  private timer: NodeJS.Timeout | undefined;
  private controller = new AbortController();
  private readonly path: string;

  constructor(
    indexDir: string,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly log: LeaseLog = { warn: () => {} },
  ) {
    this.path = join(indexDir, 'lease');
  }

  /** Takes (or nests into) the lease; throws StoreLeaseConflictError while another replica holds it. */
  hold(): LeaseHold {
    if (this.holds === 0) this.take();
    else if (this.controller.signal.aborted) throw new StoreLeaseConflictError(this.read() ?? this.placeholder());
    this.holds++;
    let released = false;
    return {
      lost: this.controller.signal,
      release: () => {
        if (released) return;
        released = true;
        if (--this.holds === 0) this.giveUp();
      },
    };
  }

  /** Like hold(), but undefined instead of a conflict. */
  tryHold(): LeaseHold | undefined {
    try {
      return this.hold();
    } catch (err) {
      if (err instanceof StoreLeaseConflictError) return undefined;
      throw err;
    }
  }

  /** True while this process holds the lease. */
  held(): boolean {
    return this.holds > 0 && !this.controller.signal.aborted;
  }

  /**
   * At start-up: a lease that names this replica but is not this process's was left by its previous run (a replica
   * id names one process at a time), killed while it held it. It is broken at once rather than after its expiry.
   */
  reclaimOwn(): void {
    const left = this.read();
    if (this.holds > 0 || left?.owner !== this.owner) return;
    this.breakStale(left);
    this.log.warn(`index: removed the store lease an earlier run of replica ${this.owner} left`);
  }

  /** The token of the lease this process holds, or undefined. */
  heldToken(): string | undefined {
    return this.held() ? this.token : undefined;
  }

  /** Throws unless the lease file still carries this process's token (another replica broke it meanwhile). */
  verify(): void {
    const now = this.read();
    if (this.holds === 0 || now?.token !== this.token) {
      throw new Error(now ? `the store lease was taken by replica ${now.owner}` : 'the store lease was lost');
    }
  }

  /** The lease as it is on disk (any holder's), or undefined when none is held or it has expired. */
  current(now = Date.now()): LeaseRecord | undefined {
    const lease = this.read();
    return lease && Date.parse(lease.expires_at) > now ? lease : undefined;
  }

  private take(): void {
    this.token = randomBytes(8).toString('hex');
    this.acquiredAt = new Date().toISOString();
    this.controller = new AbortController();
    mkdirSync(dirname(this.path), { recursive: true });
    if (!this.create()) {
      const stale = this.read();
      if (stale && Date.parse(stale.expires_at) > Date.now()) throw new StoreLeaseConflictError(stale);
      if (stale) this.breakStale(stale);
      if (!this.create()) throw new StoreLeaseConflictError(this.read() ?? this.placeholder());
      if (stale) this.log.warn(`index: broke the expired store lease of replica ${stale.owner}`);
    }
    this.timer = setInterval(() => this.renew(), Math.max(100, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  /** Creates the lease file with link(2); false when one exists. */
  private create(): boolean {
    const tmp = this.writeTemp();
    try {
      linkSync(tmp, this.path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    } finally {
      unlinkSync(tmp);
    }
  }

  /** Moves the expired lease `stale` out of the way, unless another breaker replaced it with a fresh one first. */
  private breakStale(stale: LeaseRecord): void {
    const aside = `${this.path}.${this.token}.broken`;
    try {
      renameSync(this.path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // released or broken meanwhile
      throw err;
    }
    const moved = readLease(aside);
    if (moved?.token !== stale.token) {
      try {
        linkSync(aside, this.path); // a live lease: put it back
      } catch { /* a third replica took the name meanwhile: the live holder will see it lost its lease */ }
    }
    unlinkSync(aside);
  }

  private renew(): void {
    try {
      this.verify();
      renameSync(this.writeTemp(), this.path);
    } catch (err) {
      this.log.warn(`index: the store lease was lost (${err instanceof Error ? err.message : err}); the job stops`);
      this.stopTimer();
      this.controller.abort(new Error('the store lease was lost'));
    }
  }

  private giveUp(): void {
    this.stopTimer();
    try {
      if (this.read()?.token === this.token) unlinkSync(this.path);
    } catch (err) {
      this.log.warn(`index: could not remove the store lease: ${err}`);
    }
  }

  private stopTimer(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private writeTemp(): string {
    const record: LeaseRecord = {
      owner: this.owner, token: this.token, acquired_at: this.acquiredAt,
      expires_at: new Date(Date.now() + this.ttlMs).toISOString(),
    };
    const tmp = `${this.path}.${this.token}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(record) + '\n');
    return tmp;
  }

  private read(): LeaseRecord | undefined {
    return readLease(this.path);
  }

  private placeholder(): LeaseRecord {
    const now = new Date().toISOString();
    return { owner: 'another replica', token: '', acquired_at: now, expires_at: now };
  }
}

/** The lease at `path`; undefined when there is none. An unreadable one counts as expired (it can be broken). */
function readLease(path: string): LeaseRecord | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const r = JSON.parse(text) as LeaseRecord;
    if (typeof r.owner === 'string' && typeof r.token === 'string' && !Number.isNaN(Date.parse(r.expires_at))) return r;
  } catch { /* fall through */ }
  return { owner: '(unreadable lease)', token: '', acquired_at: '', expires_at: new Date(0).toISOString() };
}
