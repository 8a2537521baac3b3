/**
 * Opens one version folder for serving: reads its manifest, opens each of its segments through the pool (which
 * verifies, opens and warms a segment no loaded version has open yet, and shares one that is), and checks that
 * the live passages add up to what the manifest says. Anything wrong with the files' content is an
 * IndexDamageError naming the file.
 */
import { join } from 'node:path';
import { asDamage, IndexDamageError } from './damage.js';
import { versionDir } from './index-store.js';
import { livePassages, LoadedVersion, type SegmentOfVersion } from './loaded-version.js';
import { MANIFEST_FILE, readManifest } from './manifest.js';
import type { SegmentPool } from './open-segment.js';
import { segmentsOf } from './segment-refs.js';

/** What the opened version reports back to its owner. */
export interface VersionHooks {
  /** Its last reference was dropped (after a swap and its last request). */
  onFree: () => void;
  /** A request met damage in it (reason names the file). */
  onDamaged: (reason: string) => void;
  /** A note for the log (a version without checksums). */
  note?: (message: string) => void;
}

/** Opens, verifies and warms a version; see the module comment. */
export async function openVersion(
  indexDir: string,
  version: string,
  pool: SegmentPool,
  hooks: VersionHooks,
): Promise<LoadedVersion> {
  const dir = versionDir(indexDir, version);
  const manifest = await readManifest(dir).catch((err) => {
    throw asDamage(err, join(dir, MANIFEST_FILE));
  });
  if (manifest.version !== version) {
    throw new IndexDamageError(join(dir, MANIFEST_FILE), `is the manifest of version ${manifest.version}, not ${version}`);
  }
  const opened: SegmentOfVersion[] = [];
  try {
    for (const location of segmentsOf(indexDir, manifest)) {
      if (!location.verified) {
        hooks.note?.(`index: version ${version} records no checksums (built before they were): opened unverified`);
      }
      opened.push({ segment: await pool.acquire(location, manifest.dimension), ref: location.ref });
    }
    const live = livePassages(opened);
    if (live !== manifest.passages) {
      throw new IndexDamageError(join(dir, MANIFEST_FILE), `says ${manifest.passages} live passages; its segments ` +
        `hold ${live}`);
    }
  } catch (err) {
    for (const { segment } of opened) segment.release();
    throw err;
  }
  return new LoadedVersion(manifest, opened, hooks.onFree, hooks.onDamaged);
}
