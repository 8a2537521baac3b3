/**
 * Damage to the index store: a file of a version (or the `current` pointer) whose content cannot be what the
 * builder wrote. A damaged version is never served again: it is marked by a `DAMAGED` file in its folder, holding
 * the reason, so that a restart skips it without reading it again. An operator who repaired the folder removes
 * that file to have the version considered again.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** File name of the damage mark inside a version folder. */
export const DAMAGED_FILE = 'DAMAGED';

/** A file of the store holds something the builder cannot have written; the message starts with its path. */
export class IndexDamageError extends Error {
  constructor(readonly file: string, detail: string) {
    super(`${file} ${detail}`);
    this.name = 'IndexDamageError';
  }
}

// Errors that say nothing about the files' content: the same version may open fine on the next try.
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'EAGAIN', 'EBUSY', 'EACCES', 'EPERM']);

/**
 * Classifies an error met while opening a version: content problems (a missing file, bad JSON, sizes that do not
 * agree, FAISS refusing its file) become IndexDamageError naming `where`; transient ones are returned unchanged.
 */
export function asDamage(err: unknown, where: string): unknown {
  if (err instanceof IndexDamageError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code !== undefined && TRANSIENT.has(code)) return err;
  // One line: a JSON parser quotes the damaged text, line breaks and all, and the reason goes into logs and health.
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ');
  return new IndexDamageError(where, `cannot be opened: ${message}`);
}

/** Marks a version folder damaged (best effort: a read-only disk still gets the in-memory mark). */
export async function markDamaged(versionDir: string, reason: string): Promise<void> {
  await writeFile(join(versionDir, DAMAGED_FILE), reason + '\n');
}

/** The reason a version folder was marked damaged, or undefined when it was not. */
export async function damageMark(versionDir: string): Promise<string | undefined> {
  try {
    return (await readFile(join(versionDir, DAMAGED_FILE), 'utf8')).trim() || 'marked damaged';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
