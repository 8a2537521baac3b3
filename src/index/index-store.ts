/**
 * The on-disk layout of index versions under `RAG_INDEX_DIR`:
 *
 *     current                  the serving version's name (replaced by write-temp-then-rename)
 *     versions/<version>/      index.faiss, passages.jsonl, passages.offsets, manifest.json (self-contained), or
 *                              manifest.json alone, listing the segments it is made of (segment-refs.ts)
 *     segments/<name>/         index.faiss, passages.jsonl, passages.offsets, manifest.json: one segment, shared by
 *                              every version that lists it
 *     staging/<version>/       a build in progress; renamed into versions/ only when complete
 *     uploads/                 PUT /index bodies being received (a build removes its file when it ends)
 *     jobs/<id>.json           build job records (job-records.ts)
 *
 * A crash at any point leaves either the old `current` or the new one, never a half-written version in versions/;
 * what it leaves in staging/ and uploads/ is removed at the next start. `current` is read strictly: a pointer that
 * holds no version name, or names a folder that is gone, is damage to report, never "no index yet".
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { IndexDamageError } from './damage.js';
import { join } from 'node:path';

const CURRENT_FILE = 'current';
const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Folder of all complete versions. */
export function versionsDir(indexDir: string): string {
  return join(indexDir, 'versions');
}

/** Folder of one complete version. */
export function versionDir(indexDir: string, version: string): string {
  if (!VERSION_NAME.test(version)) throw new Error(`invalid index version name "${version}"`);
  return join(versionsDir(indexDir), version);
}

/** Folder of the segments shared by versions. */
export function segmentsDir(indexDir: string): string {
  return join(indexDir, 'segments');
}

/** Folder of one segment (segment names are shaped like version names). */
export function segmentDir(indexDir: string, name: string): string {
  if (!VERSION_NAME.test(name)) throw new Error(`invalid index segment name "${name}"`);
  return join(segmentsDir(indexDir), name);
}

/** Folder holding builds in progress. */
export function stagingDir(indexDir: string): string {
  return join(indexDir, 'staging');
}

/**
 * A new version name that sorts by build time to the millisecond: `20261124T081500123Z-3f9a`. "The newest intact
 * version" is the last in that order, so two builds in one second must not be ordered by their random suffix.
 */
export function newVersionName(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Folder of uploads being received. */
export function uploadsDir(indexDir: string): string {
  return join(indexDir, 'uploads');
}

/**
 * The version `current` points at, or undefined when there is no `current` file. Throws IndexDamageError naming
 * the file when it holds no version name or names a version folder that is gone.
 */
export async function readCurrent(indexDir: string): Promise<string | undefined> {
  const path = join(indexDir, CURRENT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const name = text.trim();
  if (!VERSION_NAME.test(name)) {
    throw new IndexDamageError(path, `holds ${JSON.stringify(text.slice(0, 40))}, not an index version name`);
  }
  const dir = versionDir(indexDir, name);
  const exists = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!exists) throw new IndexDamageError(path, `names version ${name}, whose folder ${dir} is missing`);
  return name;
}

/** Points `current` at a version: writes a temporary file, flushes it, renames it over the old pointer. */
export async function writeCurrent(indexDir: string, version: string): Promise<void> {
  versionDir(indexDir, version); // validates the name
  const tmp = join(indexDir, `${CURRENT_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(version + '\n');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, join(indexDir, CURRENT_FILE));
  await syncDir(indexDir);
}

/** Creates an empty staging folder for a build of `version` and returns its path. */
export async function createStaging(indexDir: string, version: string): Promise<string> {
  versionDir(indexDir, version);
  const dir = join(stagingDir(indexDir), version);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Moves a complete staging folder into versions/ (one rename) and returns the version folder. */
export async function commitStaging(indexDir: string, staging: string, version: string): Promise<string> {
  return moveInto(staging, versionsDir(indexDir), versionDir(indexDir, version));
}

/** Moves a complete staging folder into segments/ (one rename) and returns the segment folder. */
export async function commitSegment(indexDir: string, staging: string, name: string): Promise<string> {
  return moveInto(staging, segmentsDir(indexDir), segmentDir(indexDir, name));
}

async function moveInto(staging: string, parent: string, target: string): Promise<string> {
  await mkdir(parent, { recursive: true });
  await syncDir(staging);
  await rename(staging, target);
  await syncDir(parent);
  return target;
}

/** Removes every leftover staging folder (builds interrupted by a crash or a restart). */
export async function clearStaging(indexDir: string): Promise<void> {
  await rm(stagingDir(indexDir), { recursive: true, force: true });
}

/**
 * Removes the uploads left by an earlier process (killed while receiving a body, or before its build removed the
 * file): those last written before `startedAt`. Uploads this process is receiving are newer and stay. On a store
 * shared by replicas, files named with another replica's prefix (`upload-<replica>--`) are that replica's: only
 * those with `ownPrefix` (and unprefixed ones) are this process's to remove.
 */
export async function clearOldUploads(indexDir: string, startedAt: Date, ownPrefix = 'upload-'): Promise<string[]> {
  const dir = uploadsDir(indexDir);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(ownPrefix) && /^upload-.+--/.test(name)) continue;
    const path = join(dir, name);
    const s = await stat(path).catch(() => undefined);
    if (!s || s.mtimeMs >= startedAt.getTime()) continue;
    await rm(path, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** Names of the complete versions, oldest first. */
export function listVersions(indexDir: string): Promise<string[]> {
  return folderNames(versionsDir(indexDir));
}

/** Names of the segments on disk, oldest first. */
export function listSegments(indexDir: string): Promise<string[]> {
  return folderNames(segmentsDir(indexDir));
}

async function folderNames(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && VERSION_NAME.test(e.name)).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Deletes one version folder (the caller makes sure nothing reads it any more). */
export async function removeVersion(indexDir: string, version: string): Promise<void> {
  await rm(versionDir(indexDir, version), { recursive: true, force: true });
}

/** Deletes one segment folder (the caller makes sure no kept version lists it and nothing reads it). */
export async function removeSegment(indexDir: string, name: string): Promise<void> {
  await rm(segmentDir(indexDir, name), { recursive: true, force: true });
}

/** fsync of a directory, so that a rename inside it survives a power cut; best effort where unsupported. */
async function syncDir(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic.
  } finally {
    await handle?.close();
  }
}
