/**
 * Re-embedding after a bundle update: a version embedded by another context encoder than the bundle's has vectors
 * the question encoder cannot be compared with. It keeps serving, poorly, while a build job embeds its stored
 * passages again with the bundle's encoder and swaps the result in.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BuildJobView } from './build-jobs.js';
import type { IndexLogger } from './index-options.js';
import { ctxEncoderChecksum } from './index-builder.js';
import { stagingDir, versionDir } from './index-store.js';
import type { IndexManifest } from './manifest.js';
import { StoreLeaseConflictError } from './store-lease.js';
import { writeStoredCorpus } from './stored-corpus.js';

/** What re-embedding needs of the index manager. */
export interface ReembedContext {
  indexDir: string;
  modelDir: string;
  /** Starts a build job of an NDJSON corpus (which it owns from then on). */
  startBuild(corpus: string): BuildJobView;
  /** Resolves when the job ends. */
  wait(id: string): Promise<BuildJobView>;
  log: IndexLogger;
}

/**
 * Starts the job re-embedding the serving version (`manifest`) when the bundle's context encoder did not embed it,
 * and returns it; undefined when nothing needs doing or the job cannot start (logged: the version still serves).
 */
export async function reembedIfStale(ctx: ReembedContext, manifest: IndexManifest): Promise<BuildJobView | undefined> {
  const bundle = await ctxEncoderChecksum(ctx.modelDir).catch(() => undefined);
  if (bundle === undefined || bundle === manifest.ctx_encoder_sha256) return undefined;
  const stale = `index: version ${manifest.version} was embedded by another context encoder ` +
    `(${manifest.ctx_encoder_sha256.slice(0, 12)}) than ${ctx.modelDir} has (${bundle.slice(0, 12)})`;
  let documents: number;
  let job: BuildJobView;
  try {
    const staging = stagingDir(ctx.indexDir);
    await mkdir(staging, { recursive: true });
    const corpus = join(staging, `reembed-${manifest.version}.jsonl`); // a restart's clearStaging removes leftovers
    documents = await writeStoredCorpus(versionDir(ctx.indexDir, manifest.version), corpus);
    job = ctx.startBuild(corpus);
  } catch (err) { // serving goes on: the stale version still answers, and PUT /index can replace it
    if (err instanceof StoreLeaseConflictError) {
      ctx.log.warn(`${stale}; replica ${err.lease.owner} writes the store (re-embedding it, when it runs this ` +
        'bundle): this replica serves what it makes current');
      return undefined;
    }
    ctx.log.warn(`${stale}; its passages could not be read back to embed again (${err}): PUT /index to replace it`);
    return undefined;
  }
  ctx.log.warn(`${stale}; it serves, with poor retrieval, while job ${job.id} embeds its ${documents} ` +
    'documents again');
  void ctx.wait(job.id).then((done) => {
    if (done.state === 'succeeded') return;
    ctx.log.warn(`index: re-embedding failed (${done.error}); PUT /index to replace it`);
  });
  return job;
}
