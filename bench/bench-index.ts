/**
 * The bundles the benchmarks know, and the small index each one serves from: the first FOLDOC documents of the
 * demo corpus, cut by the service's own builder into a few hundred 100-word passages, so that retrieved contexts
 * have realistic lengths. Indexes of real-size bundles take minutes to embed, so they are kept under
 * `onnx/build/bench-index/` (git-ignored) and rebuilt only when the bundle's context encoder changed.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ctxEncoderChecksum } from '../src/index/index-builder.js';
import { IndexManager } from '../src/index/index-manager.js';
import { readCurrent, versionDir } from '../src/index/index-store.js';
import { readManifest } from '../src/index/manifest.js';
import { countPassages } from '../src/index/passages.js';

const ROOT = resolve(import.meta.dirname, '..');
const DEMO_CORPUS = join(ROOT, 'index-data/demo/foldoc.jsonl');
const CACHE = join(ROOT, 'onnx/build/bench-index');

/** Where each named bundle lives, and how to make it when it is missing. */
export const KNOWN_BUNDLES: Record<string, { dir: string; howToMake: string }> = {
  tiny: { dir: join(ROOT, 'onnx/build/tiny'), howToMake: 'npm run fixtures' },
  demo: { dir: join(ROOT, 'onnx/demo'), howToMake: 'exported by the lead from the trained demo model' },
  'random-base': {
    dir: join(ROOT, 'onnx/build/random-base'),
    howToMake: 'cd onnx && /usr/bin/python3 -m ragkit.random_bundle --size=base --out=build/random-base',
  },
};

/** A named bundle's folder (a name from KNOWN_BUNDLES, or a path whose folder name becomes the name). */
export function bundleDir(name: string): { name: string; dir: string; howToMake: string } {
  const known = KNOWN_BUNDLES[name];
  if (known) return { name, ...known };
  return { name: basename(resolve(name)), dir: resolve(name), howToMake: 'a model bundle folder (docs/API.md)' };
}

/** Short computing questions: the index holds FOLDOC entries, and even the tiny bundle's limit (32 tokens) fits. */
export const BENCH_QUESTIONS = [
  'what is a compiler?',
  'who invented the ALGOL language?',
  'what does an operating system do?',
  'what is a hash table?',
  'what is the purpose of a linker?',
  'what protocol does email use?',
  'what is a byte?',
  'what is recursion in programming?',
];

/** An open index manager over the bench corpus and how it came to be. */
export interface BenchIndex {
  index: IndexManager;
  passages: number;
  /** Seconds spent building it in this run; null when a cached index was reused. */
  buildSeconds: number | null;
  close(): Promise<void>;
}

/** Writes the first demo documents that make up at least `passages` passages to an NDJSON file. */
async function writeCorpus(path: string, passages: number): Promise<number> {
  const lines = (await readFile(DEMO_CORPUS, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const chosen: string[] = [];
  let count = 0;
  for (const line of lines) {
    if (count >= passages) break;
    count += countPassages((JSON.parse(line) as { text: string }).text);
    chosen.push(line);
  }
  await writeFile(path, chosen.join('\n') + '\n');
  return count;
}

/** True when `indexDir` serves a version embedded by this bundle's context encoder. */
async function cachedIndexFits(indexDir: string, modelDir: string): Promise<boolean> {
  const version = await readCurrent(indexDir).catch(() => undefined);
  if (version === undefined) return false;
  const manifest = await readManifest(versionDir(indexDir, version)).catch(() => undefined);
  return manifest !== undefined && manifest.ctx_encoder_sha256 === (await ctxEncoderChecksum(modelDir));
}

/**
 * Opens (building when needed) the bench index of a bundle: in a temporary folder when `cache` is false (the
 * tiny bundle embeds a few hundred passages in a second), else under `onnx/build/bench-index/<name>-<passages>`.
 */
export async function openBenchIndex(opts: { name: string; modelDir: string; passages: number; cache: boolean }): Promise<BenchIndex> {
  const work = await mkdtemp(join(tmpdir(), 'rag-bench-'));
  const indexDir = opts.cache ? join(CACHE, `${opts.name}-${opts.passages}`) : join(work, 'index');
  const corpus = join(work, 'corpus.jsonl');
  try {
    const count = await writeCorpus(corpus, opts.passages);
    let buildSeconds: number | null = null;
    if (!(opts.cache && existsSync(indexDir) && (await cachedIndexFits(indexDir, opts.modelDir)))) {
      await rm(indexDir, { recursive: true, force: true });
      await mkdir(indexDir, { recursive: true });
      if (opts.cache) console.error(`${opts.name}: embedding ${count} passages for the bench index (kept in ${indexDir})`);
      buildSeconds = 0;
    }
    const started = performance.now();
    // An empty index folder makes the manager build one from `demoCorpus`, exactly as the server does at start.
    const index = await IndexManager.open({ indexDir, modelDir: opts.modelDir, demoCorpus: corpus, log: { info: () => {}, warn: console.error } });
    if (buildSeconds !== null) buildSeconds = (performance.now() - started) / 1000;
    const passages = index.describe()?.passages ?? count;
    return {
      index, passages, buildSeconds,
      close: async () => { await index.close(); await rm(work, { recursive: true, force: true }); },
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}
