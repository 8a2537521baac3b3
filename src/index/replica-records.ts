/**
 * What each replica of a shared store announces it reads: `replicas/<replica>.json` holds the version it serves and
 * every version it has loaded (requests in flight, one being switched to), with a heartbeat. Retention never
 * deletes a version a live announcement names; an announcement whose heartbeat is older than `staleMs` is a
 * replica that died (or lost the store), and is ignored, then removed along with the uploads it left.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadsDir } from './index-store.js';

/** One replica's announcement. */
export interface ReplicaRecord {
  replica: string;
  serving?: string;
  /** Versions it has loaded (the serving one, those requests still read, one it is switching to). */
  reading: string[];
  heartbeat_at: string;
}

interface RecordsLog {
  warn(msg: string): void;
}

/** This replica's announcement and a reader of the others'; see the module comment. */
export class ReplicaRecords {
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly indexDir: string,
    private readonly replica: string,
    private readonly staleMs: number,
    private readonly snapshot: () => { serving?: string; reading: string[] },
    private readonly log: RecordsLog = { warn: () => {} },
  ) {}

  private get dir(): string {
    return join(this.indexDir, 'replicas');
  }

  /** Announces now and then every `staleMs / 3`. */
  start(): void {
    void this.announce();
    this.timer = setInterval(() => void this.announce(), Math.max(100, Math.floor(this.staleMs / 3)));
    this.timer.unref();
  }

  /** Writes this replica's announcement (queued after earlier writes); a failed write is logged. */
  announce(): Promise<void> {
    if (this.closed) return this.writes;
    const { serving, reading } = this.snapshot();
    const record: ReplicaRecord = {
      replica: this.replica, ...(serving ? { serving } : {}), reading, heartbeat_at: new Date().toISOString(),
    };
    this.writes = this.writes.then(async () => {
      await mkdir(this.dir, { recursive: true });
      const tmp = join(this.dir, `.${this.replica}.${randomBytes(4).toString('hex')}.tmp`);
      await writeFile(tmp, JSON.stringify(record) + '\n');
      await rename(tmp, join(this.dir, `${this.replica}.json`));
    }).catch((err) => this.log.warn(`index: could not announce what this replica serves: ${err}`));
    return this.writes;
  }

  /** Versions named by the live announcements of the other replicas (this one knows its own without reading). */
  async liveVersions(now = Date.now()): Promise<Set<string>> {
    const versions = new Set<string>();
    for (const record of await this.records()) {
      if (record.replica === this.replica || now - Date.parse(record.heartbeat_at) > this.staleMs) continue;
      for (const v of [record.serving, ...record.reading]) if (v) versions.add(v);
    }
    return versions;
  }

  /** Removes announcements stale for `staleMs` more, and the upload files of those replicas (call under the lease). */
  async sweep(now = Date.now()): Promise<void> {
    for (const record of await this.records()) {
      if (record.replica === this.replica || now - Date.parse(record.heartbeat_at) <= 2 * this.staleMs) continue;
      await rm(join(this.dir, `${record.replica}.json`), { force: true });
      await removeUploadsOf(this.indexDir, record.replica, now - this.staleMs);
    }
  }

  /** Stops the heartbeat and withdraws the announcement (a clean shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.writes;
    await rm(join(this.dir, `${this.replica}.json`), { force: true });
  }

  private async records(): Promise<ReplicaRecord[]> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const records: ReplicaRecord[] = [];
    for (const name of names) {
      const record = await readFile(join(this.dir, name), 'utf8').then(parseRecord, () => undefined);
      if (record) records.push(record);
    }
    return records;
  }
}

/** The prefix of the upload files a replica writes (corpus-upload.ts), so that the files of a dead one can be told. */
export function uploadPrefix(replica: string): string {
  return `upload-${replica}--`;
}

async function removeUploadsOf(indexDir: string, replica: string, before: number): Promise<void> {
  const dir = uploadsDir(indexDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.startsWith(uploadPrefix(replica)))) {
    const s = await stat(join(dir, name)).catch(() => undefined);
    if (s && s.mtimeMs < before) await rm(join(dir, name), { force: true });
  }
}

function parseRecord(text: string): ReplicaRecord | undefined {
  try {
    const r = JSON.parse(text) as ReplicaRecord;
    if (typeof r.replica !== 'string' || !Array.isArray(r.reading) || Number.isNaN(Date.parse(r.heartbeat_at))) {
      return undefined;
    }
    return r;
  } catch {
    return undefined;
  }
}
