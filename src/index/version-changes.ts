/**
 * Runs the jobs that make a new version out of the serving one without a full build: a document change (a new
 * small segment for the upserted documents, tombstones for the deleted and replaced ones) and a compaction (small
 * segments merged into one, their dead rows dropped). Each writes the new segment and the new version's folder,
 * then hands the version to the manager, which loads it, points `current` at it and swaps it in as it does after
 * a build. The serving version is held for the whole job, so its segments stay open and on disk; any failure
 * removes what the job wrote and leaves the serving version and `current` as they were.
 */
import { rm } from 'node:fs/promises';
import type { BuildProgress, JobOutcome } from './build-jobs.js';
import { compactionPlan, writeMergedSegment, type CompactionPolicy } from './compaction.js';
import { composeChange, versionOf, type DocumentChange } from './document-changes.js';
import { commitSegment, commitStaging, createStaging, newVersionName, removeSegment } from './index-store.js';
import type { LoadedVersion } from './loaded-version.js';
import { readManifest, writeManifest, type IndexManifest } from './manifest.js';
import { readCorpusFile } from './corpus.js';
import { segmentRef, sharedRefs } from './segment-refs.js';

/** What the jobs need of the index manager. */
export interface ChangeHost {
  indexDir: string;
  /** The version serving now, if any. */
  serving(): LoadedVersion | undefined;
  /** Builds a segment of `corpus` in the build worker; resolves with its staging folder. */
  buildSegment(corpus: string, report: (p: BuildProgress) => void, signal: AbortSignal): Promise<{ staging: string }>;
  /** Loads a version just written, points `current` at it and swaps it in; removes it on failure. */
  serveNew(version: string, signal: AbortSignal): Promise<void>;
}

/** The change and compaction jobs; see the module comment. */
export class VersionChanges {
  /** Segments written by a running job whose version is not written yet: pruning must not take them. */
  private readonly writing = new Set<string>();

  constructor(private readonly host: ChangeHost, private readonly policy: CompactionPolicy) {}

  /** Names of the segments a running job has written but no version lists yet. */
  pinned(): Set<string> {
    return new Set(this.writing);
  }

  /** True when the serving version has enough small segments or dead rows to compact. */
  wantsCompaction(): boolean {
    const base = this.host.serving();
    return base !== undefined && compactionPlan(base, this.policy) !== undefined;
  }

  /** Applies `change` to the serving version (see the module comment). */
  async apply(change: DocumentChange, report: (p: BuildProgress) => void, signal: AbortSignal): Promise<JobOutcome> {
    return this.onServing(async (base) => {
      const upsertIds: string[] = [];
      if (change.upsertPath) for await (const { doc } of readCorpusFile(change.upsertPath)) upsertIds.push(doc.id!);
      const added = change.upsertPath
        ? await this.commit(async () => (await this.host.buildSegment(change.upsertPath!, report, signal)).staging)
        : undefined;
      const version = newVersionName();
      const { manifest, summary } = composeChange({
        base, baseRefs: await sharedRefs(this.host.indexDir, base), version, added, upsertIds,
        deleteIds: change.deleteIds ?? [],
      });
      if (!manifest) return { version: base.manifest.version, changes: summary };
      await this.serve(manifest, signal);
      return { version, changes: summary };
    });
  }

  /** Merges the serving version's small segments into one, as a new version; nothing when there is nothing to do. */
  async compact(signal: AbortSignal): Promise<JobOutcome> {
    return this.onServing(async (base) => {
      const parts = compactionPlan(base, this.policy);
      if (!parts) return { version: base.manifest.version };
      const refs = await sharedRefs(this.host.indexDir, base);
      const merged = await this.commit(() => writeMergedSegment(this.host.indexDir, parts, base.manifest));
      const names = new Set(parts.map((p) => p.ref.name));
      const segments = [...refs.filter((r) => !names.has(r.name)), segmentRef(merged)];
      const manifest = versionOf(newVersionName(), base.manifest, segments, base);
      await this.serve(manifest, signal);
      return { version: manifest.version };
    });
  }

  /**
   * Runs `job` on the serving version, held until it ends; removes the segments it committed when it fails (they
   * are pinned against pruning until then).
   */
  private async onServing(job: (base: LoadedVersion) => Promise<JobOutcome>): Promise<JobOutcome> {
    const base = this.host.serving();
    if (!base) throw new Error('no index version serves; PUT /index to build one');
    const hold = base.handle();
    try {
      return await job(base);
    } catch (err) {
      for (const name of this.writing) await removeSegment(this.host.indexDir, name);
      throw err;
    } finally {
      this.writing.clear(); // one job at a time (BuildJobs): what it pinned is listed by a version, or removed
      hold.release();
    }
  }

  /** Moves the segment `write` puts in staging into segments/ and returns its manifest. */
  private async commit(write: () => Promise<string>): Promise<IndexManifest> {
    const staging = await write();
    try {
      const manifest = await readManifest(staging);
      this.writing.add(manifest.version);
      await commitSegment(this.host.indexDir, staging, manifest.version);
      return manifest;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  /** Writes the version's folder (manifest only: its data is in segments/) and has the manager serve it. */
  private async serve(manifest: IndexManifest, signal: AbortSignal): Promise<void> {
    const staging = await createStaging(this.host.indexDir, manifest.version);
    try {
      await writeManifest(staging, manifest);
      await commitStaging(this.host.indexDir, staging, manifest.version);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    await this.host.serveNew(manifest.version, signal);
  }
}
