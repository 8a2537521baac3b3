/**
 * The version that serves, and how it changes: the reference requests acquire, why it is degraded (not the one
 * `current` names) or why none serves, the versions loaded now (serving, or held by requests in flight: pruning
 * leaves them), and the ways a version comes to serve: the newest intact one at start or after damage, one a job
 * wrote or activated, one another replica made current. A swap switches one reference; the old version is freed
 * when its last handle is released.
 */
import { IndexDamageError } from './damage.js';
import type { IndexLogger } from './index-options.js';
import { readCurrent, removeVersion, writeCurrent } from './index-store.js';
import { IntactVersions } from './intact-versions.js';
import type { LoadedVersion } from './loaded-version.js';
import { SegmentPool } from './open-segment.js';
import { openVersion } from './open-version.js';
import { NotReadyError } from '../errors.js';
import type { SearchOverrides } from '../retriever/index-spec.js';
import type { IndexHandle } from '../types/serving-index.js';

/** What the index manager does when the serving state changes. */
export interface ServingHooks {
  /** The serving version or the set of loaded versions changed (replicas publish it). */
  changed(): void;
  /** A loaded version lost its last handle: its files may be pruned. */
  released(): void;
  /** Throws when this process may no longer write the store (before `current` is written). */
  verifyWriter(): void;
}

/** The serving version of one index directory; see the module comment. */
export class ServingVersion {
  /** Which versions are intact, and which were found damaged. */
  readonly versions: IntactVersions;
  /** Segments open now, shared by the versions that list them. */
  readonly pool: SegmentPool;
  private current: LoadedVersion | undefined;
  /** Why the serving version is not the one `current` names; undefined when it is. */
  private degradedReason: string | undefined;
  /** Why no version serves, once start-up (or a fallback) found none; undefined while one serves or loads. */
  private unavailableReason: string | undefined;
  /** Versions loaded now, and how many times. */
  private readonly loaded = new Map<string, number>();
  /** Counts swaps, so that following the store never swaps in a version loaded before a newer swap. */
  private swaps = 0;
  private wroteLastFlag = true;
  private closedFlag = false;

  constructor(
    private readonly indexDir: string,
    private readonly hooks: ServingHooks,
    private readonly log: IndexLogger,
    search: SearchOverrides = {},
  ) {
    this.pool = new SegmentPool(search);
    this.versions = new IntactVersions(indexDir, (v) => this.load(v), log);
  }

  /** The serving version, or undefined. */
  get loadedVersion(): LoadedVersion | undefined {
    return this.current;
  }

  /** Why the serving version is not the one `current` names; undefined when it is. */
  get degraded(): string | undefined {
    return this.degradedReason;
  }

  /** True once `shutDown` was called: nothing more is swapped in. */
  get closed(): boolean {
    return this.closedFlag;
  }

  /**
   * False once this replica follows a version another one wrote: pruning is then that writer's, so that replicas
   * do not take the store's lease after every switch and make a client's write meet a 409.
   */
  get wroteLast(): boolean {
    return this.wroteLastFlag;
  }

  /** Why no index serves (damage, a failed demo build), or undefined while one serves or is still loading. */
  unavailable(): string | undefined {
    return this.current ? undefined : this.unavailableReason;
  }

  /** Records why nothing serves (a failed first build), unless something serves. */
  setUnavailable(reason: string): void {
    if (!this.current) this.unavailableReason = reason;
  }

  /** The versions loaded now. */
  loadedVersions(): string[] {
    return [...this.loaded.keys()];
  }

  /** A handle on the serving version; throws NotReadyError (503) before one is loaded. Release it when done. */
  acquire(): IndexHandle {
    const loaded = this.current;
    if (!loaded || this.closedFlag) throw new NotReadyError(this.unavailable() ?? 'the index is not loaded yet');
    return loaded.handle();
  }

  /** Serves what `IntactVersions.openBest` picks, or records why nothing can serve. */
  async serveIntact(preferred: string | undefined, problems: string[]): Promise<void> {
    const pick = await this.versions.openBest(preferred, problems);
    if ('unavailable' in pick) {
      if (this.current) return;
      this.unavailableReason = pick.unavailable;
      this.log.warn(`index: not ready: ${pick.unavailable}`);
      return;
    }
    if (this.current || this.closedFlag) { // a build swapped in meanwhile: it is newer than anything found here
      pick.loaded.unref();
      return;
    }
    this.degradedReason = pick.degraded;
    this.unavailableReason = undefined;
    this.swap(pick.loaded);
    if (pick.degraded) this.log.warn(`index: degraded: ${pick.degraded}`);
    else this.log.info(`index: serving version ${pick.version}`);
  }

  /**
   * Loads and warms `version`, points `current` at it, then swaps it in. On failure `current` and the serving
   * version are as they were; a version just written (`written`) is removed, an existing one is marked damaged
   * when the failure was damage.
   */
  async serveVersion(version: string, signal: AbortSignal, written: boolean): Promise<void> {
    let loaded: LoadedVersion | undefined;
    try {
      loaded = await this.load(version);
      if (signal.aborted || this.closedFlag) throw new Error('cancelled');
      this.hooks.verifyWriter(); // another replica broke a lease this process failed to renew: it writes now
      await writeCurrent(this.indexDir, version);
    } catch (err) {
      loaded?.unref();
      if (written) await removeVersion(this.indexDir, version);
      else if (err instanceof IndexDamageError) await this.versions.markDamaged(version, err.message);
      throw err;
    }
    this.degradedReason = undefined;
    this.unavailableReason = undefined;
    this.wroteLastFlag = true;
    this.swap(loaded);
    this.log.info(`index: now serving version ${version} (${loaded.manifest.passages} passages)`);
  }

  /**
   * Serves `version`, which another replica made current: loads, verifies and warms it, and swaps it in unless the
   * store moved on or this process swapped meanwhile (false then: nothing changed). Throws when it fails to load;
   * the serving version stays.
   */
  async followStore(version: string): Promise<boolean> {
    const swaps = this.swaps;
    const loaded = await this.load(version);
    const still = await readCurrent(this.indexDir).catch(() => undefined);
    if (still !== version || swaps !== this.swaps || this.closedFlag) {
      loaded.unref();
      return false;
    }
    this.degradedReason = undefined;
    this.unavailableReason = undefined;
    this.wroteLastFlag = false;
    this.swap(loaded);
    this.log.info(`index: now serving version ${version} (${loaded.manifest.passages} passages), made current by ` +
      'another replica');
    return true;
  }

  /** Stops swapping anything in; the serving version still answers until `release`. */
  shutDown(): void {
    this.closedFlag = true;
  }

  /** Stops serving: the version is freed once in-flight handles are released. */
  release(): void {
    const loaded = this.current;
    this.current = undefined;
    loaded?.unref();
  }

  /** A request met damage in `version`: it stops serving, and the newest intact version takes over if any. */
  private async versionDamaged(version: string, reason: string): Promise<void> {
    if (!(await this.versions.markDamaged(version, reason))) return;
    const loaded = this.current;
    if (loaded?.manifest.version !== version) return;
    this.current = undefined;
    this.unavailableReason = `version ${version} is damaged (${reason}); looking for an intact one`;
    loaded.unref();
    const pointed = await readCurrent(this.indexDir).catch(() => undefined);
    await this.serveIntact(pointed, [`version ${version}: ${reason}`]);
  }

  /** Opens, verifies and warms a version (open-version.ts), counted in `loaded` until its last handle goes. */
  private async load(version: string): Promise<LoadedVersion> {
    const loaded = await openVersion(this.indexDir, version, this.pool, {
      onFree: () => {
        const n = this.loaded.get(version)! - 1;
        if (n > 0) this.loaded.set(version, n);
        else this.loaded.delete(version);
        this.hooks.changed();
        this.hooks.released();
      },
      onDamaged: (reason) => void this.versionDamaged(version, reason),
      note: (m) => this.log.info(m),
    });
    this.loaded.set(version, (this.loaded.get(version) ?? 0) + 1);
    this.hooks.changed();
    return loaded;
  }

  /** Switches the serving reference; the old version is freed when its last handle is released. */
  private swap(next: LoadedVersion): void {
    if (this.closedFlag) {
      next.unref(); // closed while it loaded: nobody will serve it
      return;
    }
    const previous = this.current;
    this.current = next;
    this.swaps++;
    previous?.unref();
    this.hooks.changed();
  }
}
