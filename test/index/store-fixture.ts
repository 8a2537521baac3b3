/**
 * A real index store for the durability tests, built once per test process with the toolchain's tiny bundle:
 * version A (older, corpus "alpha") and version B (newer, corpus "beta"), `current` naming B. Each test works on
 * its own copy, so damage done by one is never seen by another.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexManager, type IndexManagerOptions } from '../../src/index/index-manager.js';
import { tinyBundle } from '../helpers/toolchain-bundle.js';

/** A corpus of `n` small documents whose ids start with `prefix`. */
export function corpus(prefix: string, n: number): string {
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${prefix}${i}`, title: `${prefix} ${i}`, text: `memory network ${prefix} protocol ${i} `.repeat(8) }),
  ).join('\n') + '\n';
}

/** Options for a manager over a fresh, empty store in a temporary folder whose demo corpus has `demoDocs` documents. */
export function freshStore(
  t: { teardown: (f: () => void) => void }, prefix: string, demoDocs: number,
): IndexManagerOptions & { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const demoCorpus = join(dir, 'demo.jsonl');
  writeFileSync(demoCorpus, corpus('demo', demoDocs));
  return { dir, indexDir: join(dir, 'index'), modelDir: tinyBundle, demoCorpus, device: 'cpu', threads: 1 };
}

/** A store copy and what it holds. */
export interface StoreCopy {
  /** Temporary folder of the test (removed on teardown); the store is `indexDir` inside it. */
  dir: string;
  indexDir: string;
  older: string;
  newer: string;
  /** Manager options over this copy (demo corpus: a file that would be noticed if it were ever built). */
  options: IndexManagerOptions;
  /** Path of a file of a version. */
  file(version: string, name: string): string;
}

let template: Promise<{ dir: string; older: string; newer: string }> | undefined;

async function buildTemplate(): Promise<{ dir: string; older: string; newer: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'durability-template-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'alpha.jsonl'), corpus('alpha', 4));
  writeFileSync(join(dir, 'beta.jsonl'), corpus('beta', 5));
  const indexDir = join(dir, 'index');
  const manager = await IndexManager.open({
    indexDir, modelDir: tinyBundle, demoCorpus: join(dir, 'alpha.jsonl'), device: 'cpu', threads: 1,
  });
  const older = manager.describe()!.version;
  const job = await manager.waitForJob(manager.startBuild(join(dir, 'beta.jsonl')).id);
  if (job.state !== 'succeeded') throw new Error(`template build failed: ${job.error}`);
  await manager.close();
  rmSync(join(indexDir, 'jobs'), { recursive: true, force: true }); // each copy starts without job records
  return { dir: indexDir, older, newer: job.version! };
}

/** A fresh copy of the two-version store, removed on teardown. */
export async function copyStore(t: { teardown(fn: () => void): void }): Promise<StoreCopy> {
  template ??= buildTemplate();
  const { dir: source, older, newer } = await template;
  const dir = mkdtempSync(join(tmpdir(), 'durability-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const indexDir = join(dir, 'index');
  cpSync(source, indexDir, { recursive: true });
  const demoCorpus = join(dir, 'demo.jsonl');
  writeFileSync(demoCorpus, corpus('demo', 3));
  return {
    dir, indexDir, older, newer,
    options: { indexDir, modelDir: tinyBundle, demoCorpus, device: 'cpu', threads: 1 },
    file: (version, name) => join(indexDir, 'versions', version, name),
  };
}

/** The four ways of damaging a file, each keeping or changing its size as a real fault would. */
export const DAMAGE: Record<string, (path: string) => void> = {
  truncate: (path) => writeFileSync(path, readFileSync(path).subarray(0, Math.floor(readFileSync(path).length / 2))),
  zero: (path) => writeFileSync(path, Buffer.alloc(readFileSync(path).length)),
  delete: (path) => rmSync(path),
  // 64 bytes of 0xff in the middle (enough to straddle a JSON token of the manifest), same size.
  scramble: (path) => {
    const bytes = readFileSync(path);
    const start = Math.max(0, Math.floor(bytes.length / 2) - 32);
    bytes.fill(0xff, start, Math.min(bytes.length, start + 64));
    writeFileSync(path, bytes);
  },
};

/** Collects a manager's log lines. */
export function logSink(): { lines: string[]; log: { info(m: string): void; warn(m: string): void } } {
  const lines: string[] = [];
  return { lines, log: { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`) } };
}
