/**
 * Build job records kept in the store (`jobs/<id>.json`), so that a job id a client polls survives a restart: a
 * job that was queued or running when the process died is reported as failed with the error `interrupted`.
 * Records are written at each state change (write-temp-then-rename), and only the newest `keep` are kept.
 * On a store shared by replicas each record carries the token of the store lease its job ran under: a queued or
 * running record whose lease is still live belongs to another replica's job in progress, not to a dead process.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildJobView } from './build-jobs.js';

/** The error of a job the process did not live to finish. */
export const INTERRUPTED = 'interrupted';

const RECORD = /^[0-9a-f-]{36}\.json$/;

/** The store lease as the records see it: the token this process holds, and the token of the live lease. */
export interface RecordLease {
  mine(): string | undefined;
  live(): string | undefined;
}

const NO_LEASE: RecordLease = { mine: () => undefined, live: () => undefined };

/** The job records of one index directory. */
export class JobRecords {
  private readonly records = new Map<string, { view: BuildJobView; at: number }>();
  /** Ids this process saved: never "interrupted" by its own recovery. */
  private readonly mine = new Set<string>();
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly keep = 20, private readonly lease = NO_LEASE) {}

  /** Reads the records an earlier process left, marking its unfinished jobs failed: interrupted. */
  async recover(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => RECORD.test(n));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const name of names) {
      const record = await readFile(join(this.dir, name), 'utf8').then(parseRecord, () => undefined);
      if (!record || this.mine.has(record.view.id)) continue;
      const { view } = record;
      if (unfinished(view)) {
        if (record.lease !== undefined && record.lease === this.lease.live()) continue; // another replica's, running
        this.save({ ...view, state: 'failed', error: INTERRUPTED }, false);
      } else {
        this.records.set(view.id, { view, at: 0 });
      }
    }
    await this.writes;
  }

  /** A recorded job (of this process or an earlier one), or undefined. */
  get(id: string): BuildJobView | undefined {
    const view = this.records.get(id)?.view;
    return view && { ...view, progress: { ...view.progress } };
  }

  /**
   * A job recorded in the store by any replica, read now; a queued or running one whose lease is no longer live
   * reports failed: interrupted (its replica died). Undefined when there is no such record.
   */
  async readStored(id: string): Promise<BuildJobView | undefined> {
    if (!RECORD.test(`${id}.json`)) return undefined;
    const record = await readFile(join(this.dir, `${id}.json`), 'utf8').then(parseRecord, () => undefined);
    if (!record) return undefined;
    const live = record.lease !== undefined && record.lease === this.lease.live();
    return unfinished(record.view) && !live ? { ...record.view, state: 'failed', error: INTERRUPTED } : record.view;
  }

  /** Records a job's new state; writes are queued in order, and a failed write only costs the record. */
  save(view: BuildJobView, ours = true): void {
    if (ours) this.mine.add(view.id);
    const copy = { ...view, progress: { ...view.progress } };
    const lease = ours ? this.lease.mine() : undefined;
    this.records.set(view.id, { view: copy, at: Date.now() });
    this.writes = this.writes.then(() => this.write(copy, lease)).catch(() => {});
    this.prune();
  }

  /** Resolves once every queued write is on disk. */
  flush(): Promise<void> {
    return this.writes;
  }

  private async write(view: BuildJobView, lease: string | undefined): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${view.id}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, JSON.stringify(lease ? { ...view, lease } : view) + '\n');
    await rename(tmp, join(this.dir, `${view.id}.json`));
  }

  /** Forgets (and deletes) the oldest records beyond `keep`. */
  private prune(): void {
    const excess = this.records.size - this.keep;
    if (excess <= 0) return;
    const oldest = [...this.records].sort((a, b) => a[1].at - b[1].at).slice(0, excess);
    for (const [id] of oldest) {
      this.records.delete(id);
      this.writes = this.writes.then(() => rm(join(this.dir, `${id}.json`), { force: true })).catch(() => {});
    }
  }
}

function unfinished(view: BuildJobView): boolean {
  return view.state === 'queued' || view.state === 'running';
}

function parseRecord(text: string): { view: BuildJobView; lease?: string } | undefined {
  try {
    const { lease, ...v } = JSON.parse(text) as BuildJobView & { lease?: unknown };
    const states = ['queued', 'running', 'succeeded', 'failed'];
    if (typeof v.id !== 'string' || !states.includes(v.state) || typeof v.progress?.done !== 'number') return undefined;
    return { view: v, ...(typeof lease === 'string' ? { lease } : {}) };
  } catch {
    return undefined; // a record cut short by a crash: that job is simply not known
  }
}
