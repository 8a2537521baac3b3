/**
 * Which versions of the store may serve: the one `current` names if it opens intact, else the newest intact one.
 * Damage found on the way is remembered, and marked in the version's folder so that a restart skips it; pruning
 * asks here which versions are damaged, and never removes the serving one, the pointed one or the newest intact one.
 */
import { damageMark, IndexDamageError, markDamaged } from './damage.js';
import type { IndexLogger } from './index-options.js';
import { listVersions, removeVersion, versionDir } from './index-store.js';
import type { LoadedVersion } from './loaded-version.js';

/** The outcome of a search for something to serve. */
export type Pick =
  | { loaded: LoadedVersion; version: string; degraded?: string }
  | { unavailable: string };

/** The store's versions as candidates for serving; see the module comment. */
export class IntactVersions {
  private readonly damaged = new Set<string>();

  constructor(
    private readonly indexDir: string,
    private readonly open: (version: string) => Promise<LoadedVersion>,
    private readonly log: IndexLogger,
  ) {}

  /** True when this process found `version` damaged, or an earlier one marked it. */
  async isDamaged(version: string): Promise<boolean> {
    return (await this.damage(version)) !== undefined;
  }

  /** Why `version` is known to be damaged (found by this process, or its mark on disk), or undefined. */
  async damage(version: string): Promise<string | undefined> {
    if (this.damaged.has(version)) return 'found damaged earlier';
    return damageMark(versionDir(this.indexDir, version)).catch(() => undefined);
  }

  /** Remembers and marks damage (on disk when it can), and logs it once. False when it was known already. */
  async markDamaged(version: string, reason: string): Promise<boolean> {
    if (this.damaged.has(version)) return false;
    this.damaged.add(version);
    this.log.warn(`index: version ${version} is damaged: ${reason}`);
    await markDamaged(versionDir(this.indexDir, version), reason)
      .catch((err) => this.log.warn(`index: could not mark version ${version} damaged on disk: ${err}`));
    return true;
  }

  /**
   * Opens `preferred` if it is intact, else the newest other intact version, with `degraded` saying why; else says
   * why nothing can serve. `problems` holds what is already known to be wrong (a damaged pointer).
   */
  async openBest(preferred: string | undefined, problems: string[]): Promise<Pick> {
    const versions = await listVersions(this.indexDir);
    const candidates = [preferred, ...versions.reverse().filter((v) => v !== preferred)];
    for (const version of candidates) {
      if (version === undefined) continue;
      const mark = await this.damage(version);
      if (mark !== undefined) {
        problems.push(`version ${version} is marked damaged (${mark})`);
        continue;
      }
      try {
        const loaded = await this.open(version);
        if (version === preferred) return { loaded, version };
        return { loaded, version, degraded: `${problems.join('; ')}; serving version ${version}, the newest intact one` };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (err instanceof IndexDamageError) await this.markDamaged(version, message);
        else this.log.warn(`index: version ${version} could not be opened: ${message}`);
        problems.push(`version ${version}: ${message}`);
      }
    }
    return {
      unavailable: `no intact index version in ${this.indexDir}` +
        (problems.length > 0 ? `: ${problems.join('; ')}` : '') + '; PUT /index to build one',
    };
  }

  /**
   * Deletes version folders beyond `keep`: damaged ones and the oldest intact ones, never those in `protect` (the
   * serving one, the pointed one) nor the newest intact one, nor, on top of `keep`, those in `held` (loaded, and
   * read by requests in flight).
   */
  async prune(keep: number, protect: (string | undefined)[], held: Set<string> = new Set()): Promise<void> {
    const versions = await listVersions(this.indexDir); // oldest first
    const intact: string[] = [];
    for (const v of versions) if (!(await this.isDamaged(v))) intact.push(v);
    const kept = new Set([...protect, intact.at(-1)].filter((v) => v !== undefined));
    for (const v of intact.reverse()) {
      if (kept.size >= keep) break;
      kept.add(v);
    }
    for (const v of versions.filter((name) => !kept.has(name) && !held.has(name))) {
      await removeVersion(this.indexDir, v).catch((err) => this.log.warn(`index: could not remove ${v}: ${err}`));
    }
  }
}
