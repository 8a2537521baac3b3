/**
 * Where a version's segments live. A version made by a document change lists its segments in its manifest; each
 * lives in `segments/<name>/` and is shared, never copied, by every version that lists it. A self-contained version
 * (a full build, or one written before segments existed) is one segment in its own folder. The first change on top
 * of it hard-links that folder's files into `segments/<version>/`: the new version then lists only folders under
 * `segments/`, and the old version's folder can be pruned on its own while newer versions still read its data.
 */
import { copyFile, constants, link, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { commitSegment, createStaging, segmentDir, versionDir } from './index-store.js';
import { writeManifest, type IndexManifest, type SegmentRef } from './manifest.js';
import type { LoadedVersion } from './loaded-version.js';
import { checksumFiles, filesOf } from './version-files.js';

/** A segment of a version and the folder that holds its files. */
export interface SegmentLocation {
  ref: SegmentRef;
  dir: string;
  /** False for a self-contained version built before checksums were recorded: it opens unverified. */
  verified: boolean;
}

/** The segments of a version, oldest first; a self-contained version is one segment in its own folder. */
export function segmentsOf(indexDir: string, manifest: IndexManifest): SegmentLocation[] {
  if (manifest.segments) {
    return manifest.segments.map((ref) => ({ ref, dir: segmentDir(indexDir, ref.name), verified: true }));
  }
  const ref: SegmentRef = {
    name: manifest.version, passages: manifest.passages, documents: manifest.documents,
    index_type: manifest.index_type, index_params: manifest.index_params, files: manifest.files ?? {}, deleted: [],
  };
  return [{ ref, dir: versionDir(indexDir, manifest.version), verified: manifest.files !== undefined }];
}

/** A segment's entry in a version that lists it, from the manifest its builder wrote into its folder. */
export function segmentRef(manifest: IndexManifest, deleted: string[] = []): SegmentRef {
  if (!manifest.files) throw new Error(`segment ${manifest.version} records no checksums`);
  return {
    name: manifest.version, passages: manifest.passages, documents: manifest.documents,
    index_type: manifest.index_type, index_params: manifest.index_params, files: manifest.files, deleted,
  };
}

// Where a file system refuses hard links, the files are copied (a reflink where the file system can).
const NO_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EMLINK']);

/**
 * How a version made from `base` lists the base's segments: as the base does, or, for a self-contained base, as
 * the one segment `segments/<version>/` (shared by hard links; checksums computed for a version without them).
 */
export async function sharedRefs(indexDir: string, base: LoadedVersion): Promise<SegmentRef[]> {
  if (base.manifest.segments) return base.manifest.segments;
  const name = await shareSelfContained(indexDir, base.manifest);
  const files = base.manifest.files ?? await checksumFiles(segmentDir(indexDir, name));
  return base.parts.map((part) => ({ ...part.ref, files }));
}

/**
 * Makes the data of self-contained version `manifest` available as segment `segments/<version>/` (hard links to
 * its files, built in staging and moved in with one rename), unless it is there already. Returns the segment's name.
 */
async function shareSelfContained(indexDir: string, manifest: IndexManifest): Promise<string> {
  const name = manifest.version;
  const target = segmentDir(indexDir, name);
  if (await stat(target).then(() => true, () => false)) return name;
  const source = versionDir(indexDir, name);
  const staging = await createStaging(indexDir, `${name}.segment`);
  try {
    for (const file of filesOf(manifest)) {
      await link(join(source, file), join(staging, file)).catch((err: NodeJS.ErrnoException) => {
        if (!NO_LINKS.has(err.code ?? '')) throw err;
        return copyFile(join(source, file), join(staging, file), constants.COPYFILE_FICLONE);
      });
    }
    await writeManifest(staging, manifest);
    await commitSegment(indexDir, staging, name);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return name;
}
