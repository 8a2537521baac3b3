/** `rag index build`: one index version from an NDJSON corpus, with a progress bar, made the serving one. */
import type { Device } from '../config.js';
import type { IndexKind } from '../retriever/index-spec.js';
import { buildIndexVersion } from '../index/index-builder.js';
import { commitStaging, writeCurrent } from '../index/index-store.js';

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} passages`;
}

/** Builds `corpus` into `indexDir` (of `indexKind`, or the kind its size picks) and points `current` at it. */
export async function buildIndex(opts: {
  corpus: string; indexDir: string; modelDir: string; device: Device; indexKind?: IndexKind;
}): Promise<void> {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const { version, staging, manifest } = await buildIndexVersion(opts, ({ done, total }) => {
    const now = performance.now();
    if (tty) process.stderr.write(`\r${progressBar(done, total)}`);
    else if (now - lastLine > 5000 || done === total) {
      process.stderr.write(`${progressBar(done, total)}\n`);
      lastLine = now;
    }
  });
  if (tty) process.stderr.write('\n');
  await commitStaging(opts.indexDir, staging, version);
  await writeCurrent(opts.indexDir, version);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`index ${version}: ${manifest.documents} documents, ${manifest.passages} passages, `
    + `${manifest.index_type}, dimension ${manifest.dimension}, in ${seconds} s -> ${opts.indexDir}`);
}
