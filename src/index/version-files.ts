/**
 * Checksums of the files of an index version, recorded in its manifest by the builder (as the model bundles
 * record theirs) and verified, in full, every time the version is opened.
 *
 * Cost: one streamed sha256 pass over the version. Measured here at about 1.6 GB/s for one core with data in the
 * page cache (sha_ni), so a version of 1M passages (768-dim flat index: 3.1 GB, passages about 0.65 GB) costs
 * about 2.5 s at each start or swap, more if the disk must read it (at 500 MB/s, about 7.5 s). A full pass is kept
 * rather than a sample: random bytes in one vector (NaN scores for every question) would slip through a sample.
 * Sizes are compared first, so a truncated file is reported without hashing anything.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { INDEX_FILE } from '../retriever/faiss-index.js';
import { IndexDamageError } from './damage.js';
import type { IndexManifest } from './manifest.js';
import { OFFSETS_FILE, PASSAGES_FILE } from './passage-store.js';
import { VECTORS_FILE } from './vector-file.js';

/** Size and sha256 of one file of a version. */
export interface FileChecksum {
  bytes: number;
  sha256: string;
}

/** The files every version has besides its manifest, each of which the manifest records. */
export const VERSION_FILES = [INDEX_FILE, PASSAGES_FILE, OFFSETS_FILE] as const;

/** Files some versions have (IVF-PQ's float vectors), recorded when present. */
const OPTIONAL_FILES = [VECTORS_FILE] as const;

/** The files a version's manifest records (the required ones for a manifest without checksums). */
export function filesOf(manifest: IndexManifest): string[] {
  return manifest.files ? Object.keys(manifest.files) : [...VERSION_FILES];
}

/** Hex sha256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Sizes and checksums of a (staging) version's files, for its manifest. */
export async function checksumFiles(dir: string): Promise<Record<string, FileChecksum>> {
  const files: Record<string, FileChecksum> = {};
  for (const name of VERSION_FILES) {
    const path = join(dir, name);
    files[name] = { bytes: (await stat(path)).size, sha256: await sha256File(path) };
  }
  for (const name of OPTIONAL_FILES) {
    const path = join(dir, name);
    const bytes = await stat(path).then((s) => s.size, () => undefined);
    if (bytes !== undefined) files[name] = { bytes, sha256: await sha256File(path) };
  }
  return files;
}

/** Throws IndexDamageError naming the first file that is missing, of another size, or of another checksum. */
export async function verifyFiles(dir: string, files: Record<string, FileChecksum>): Promise<void> {
  const names = [...new Set([...VERSION_FILES, ...Object.keys(files)])];
  for (const name of names) {
    const path = join(dir, name);
    const expected = files[name];
    if (!expected) throw new IndexDamageError(join(dir, 'manifest.json'), `records no checksum for ${name}`);
    const bytes = await stat(path).then((s) => s.size, (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new IndexDamageError(path, 'is missing');
      throw err;
    });
    if (bytes !== expected.bytes) {
      throw new IndexDamageError(path, `has ${bytes} bytes; the manifest says ${expected.bytes}`);
    }
  }
  for (const name of names) {
    const path = join(dir, name);
    if (await sha256File(path) !== files[name]!.sha256) {
      throw new IndexDamageError(path, 'does not match the sha256 its manifest records');
    }
  }
}
