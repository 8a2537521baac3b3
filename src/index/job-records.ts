/**
 * Build job records kept in the store (`jobs/<id>.json`), so that a job id a client polls survives a restart: a
 * job that was queued or running when the process died is reported as failed with the error `interrupted`.
 * Records are written at each state change (write-temp-then-rename), and only the newest `keep` are kept.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildJobView } from './build-jobs.js';

/** The error of a job the process did not live to finish. */
export const INTERRUPTED = 'interrupted';

const RECORD = /^[0-9a-f-]{36}\.json$/;

/** The job records of one index directory. */
export class JobRecords {
  private readonly records = new Map<string, { view: BuildJobView; at: number }>();
  /** Ids this process saved: never "interrupted" by its own recovery. */
  private readonly mine = new Set<string>();
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string, private readonly keep = 20) {}

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
      const view = await readFile(join(this.dir, name), 'utf8').then(parseRecord, () => undefined);
      if (!view || this.mine.has(view.id)) continue;
      if (view.state === 'queued' || view.state === 'running') {
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

  /** Records a job's new state; writes are queued in order, and a failed write only costs the record. */
  save(view: BuildJobView, ours = true): void {
    if (ours) this.mine.add(view.id);
    const copy = { ...view, progress: { ...view.progress } };
    this.records.set(view.id, { view: copy, at: Date.now() });
    this.writes = this.writes.then(() => this.write(copy)).catch(() => {});
    this.prune();
  }

  /** Resolves once every queued write is on disk. */
  flush(): Promise<void> {
    return this.writes;
  }

  private async write(view: BuildJobView): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${view.id}.${randomBytes(4).toString('hex')}.tmp`);
    await writeFile(tmp, JSON.stringify(view) + '\n');
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

function parseRecord(text: string): BuildJobView | undefined {
  try {
    const v = JSON.parse(text) as BuildJobView;
    const states = ['queued', 'running', 'succeeded', 'failed'];
    if (typeof v.id !== 'string' || !states.includes(v.state) || typeof v.progress?.done !== 'number') return undefined;
    return v;
  } catch {
    return undefined; // a record cut short by a crash: that job is simply not known
  }
}
