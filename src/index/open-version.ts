/**
 * Opens one version folder for serving: reads its manifest, verifies every file against the checksums it records,
 * opens the FAISS index and the passage store, checks that they agree with the manifest, and runs one warm-up
 * search. Anything wrong with the files' content is an IndexDamageError naming the file.
 */
import { join } from 'node:path';
import { FaissIndex, INDEX_FILE } from '../retriever/faiss-index.js';
import { asDamage, IndexDamageError } from './damage.js';
import { versionDir } from './index-store.js';
import { LoadedVersion } from './loaded-version.js';
import { MANIFEST_FILE, readManifest } from './manifest.js';
import { PassageStore, PASSAGES_FILE } from './passage-store.js';
import { verifyFiles } from './version-files.js';

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
export async function openVersion(indexDir: string, version: string, hooks: VersionHooks): Promise<LoadedVersion> {
  const dir = versionDir(indexDir, version);
  const manifest = await readManifest(dir).catch((err) => {
    throw asDamage(err, join(dir, MANIFEST_FILE));
  });
  if (manifest.version !== version) {
    throw new IndexDamageError(join(dir, MANIFEST_FILE), `is the manifest of version ${manifest.version}, not ${version}`);
  }
  // Verified before FAISS reads anything: native code is not handed a file known to be damaged.
  if (manifest.files) await verifyFiles(dir, manifest.files);
  else hooks.note?.(`index: version ${version} records no checksums (built before they were): opened unverified`);
  let index: FaissIndex;
  try {
    index = FaissIndex.read(dir);
  } catch (err) {
    throw asDamage(err, join(dir, INDEX_FILE));
  }
  const store = await PassageStore.open(dir).catch((err) => {
    index.dispose();
    throw asDamage(err, join(dir, PASSAGES_FILE));
  });
  try {
    if (index.size !== manifest.passages || store.size !== manifest.passages || index.dimension !== manifest.dimension) {
      throw new IndexDamageError(dir, `is inconsistent: manifest says ${manifest.passages} passages of ` +
        `dimension ${manifest.dimension}, index has ${index.size} of ${index.dimension}, store ${store.size}`);
    }
    if (index.size > 0) {
      index.search(new Float32Array(index.dimension), 1); // warm-up: pages the index in before requests do
      await store.getMany([0]);
    }
  } catch (err) {
    index.dispose();
    await store.close();
    throw asDamage(err, dir);
  }
  return new LoadedVersion(manifest, index, store, hooks.onFree, hooks.onDamaged);
}
