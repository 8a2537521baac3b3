/**
 * Free space on the index's disk, checked before a build starts against the size the new version will take, so
 * that a full disk refuses the build at once, with a message naming the disk, instead of after the embedding.
 */
import { readFile, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/** Thrown when the disk holding the index has less room than a build needs. */
export class DiskSpaceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiskSpaceError';
  }
}

/** Width of the vectors a DPR encoder folder makes: `projection_dim` when set, else `hidden_size` (768 if unknown). */
export async function vectorDimension(encoderDir: string): Promise<number> {
  const config = await readFile(join(encoderDir, 'config.json'), 'utf8')
    .then((t) => JSON.parse(t) as Record<string, unknown>, () => ({} as Record<string, unknown>));
  const projection = config.projection_dim;
  if (typeof projection === 'number' && projection > 0) return projection;
  return typeof config.hidden_size === 'number' ? config.hidden_size : 768;
}

/**
 * Bytes a version of `passages` passages will take: the passage store (the corpus text plus about 256 bytes of ids,
 * title and JSON per passage, and 8 bytes of offset), and the FAISS index (4 bytes per vector component; HNSW32
 * adds its graph, 64 neighbours of 4 bytes on the base level and some upper-level links; IVF-PQ keeps the float
 * vectors on disk for re-ranking plus a code of about d/8 bytes and an 8-byte id per vector).
 */
export function estimateVersionBytes(opts: {
  corpusBytes: number; passages: number; dimension: number; indexType: string;
}): number {
  const store = opts.corpusBytes + opts.passages * (256 + 8);
  const extra = opts.indexType.startsWith('HNSW') ? 300 : opts.indexType.startsWith('IVF') ? opts.dimension / 8 + 8 : 0;
  return store + Math.ceil(opts.passages * (opts.dimension * 4 + extra));
}

/** Free bytes (for an unprivileged writer) on the file system holding `path`, or its nearest existing parent. */
export async function freeBytes(path: string): Promise<number> {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    try {
      const s = await statfs(dir);
      return s.bavail * s.bsize;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(dir) === dir) throw err;
    }
  }
}

/** Throws DiskSpaceError naming the disk when fewer than `needed` bytes are free there. */
export async function ensureFreeSpace(dir: string, needed: number, what: string): Promise<void> {
  const free = await freeBytes(dir);
  if (free >= needed) return;
  throw new DiskSpaceError(`not enough free space on the disk holding ${dir}: ${what} needs about ` +
    `${megabytes(needed)} and ${megabytes(free)} are free`);
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
