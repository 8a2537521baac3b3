/**
 * Retention of segments: after the versions beyond `keepVersions` are pruned (IntactVersions.prune), a segment is
 * deleted once no version left on disk lists it and no loaded version holds it (`held`: the pool's open segments
 * and those a running job has written but not yet listed). A version whose manifest cannot be read might list any
 * segment, so while one is left nothing is deleted.
 */
import type { IndexLogger } from './index-options.js';
import { listSegments, listVersions, removeSegment, versionDir } from './index-store.js';
import { readManifest } from './manifest.js';

/** Deletes the segments no version lists and nothing holds; see the module comment. */
export async function pruneSegments(indexDir: string, held: Set<string>, log: IndexLogger): Promise<void> {
  const listed = new Set<string>();
  for (const version of await listVersions(indexDir)) {
    const manifest = await readManifest(versionDir(indexDir, version)).catch(() => undefined);
    if (!manifest) return;
    for (const ref of manifest.segments ?? []) listed.add(ref.name);
  }
  for (const name of await listSegments(indexDir)) {
    if (listed.has(name) || held.has(name)) continue;
    await removeSegment(indexDir, name).catch((err) => log.warn(`index: could not remove segment ${name}: ${err}`));
  }
}
