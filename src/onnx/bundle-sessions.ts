/**
 * Loads a bundle's question encoder and generator with one set of session options, for both places that run them:
 * the calling thread (models.ts) and a model worker (model-worker.ts). A generator that fails to load releases the
 * encoder loaded before it.
 */
import { join } from 'node:path';
import { BartGenerator } from './bart-generator.js';
import { DprEncoder } from './dpr-encoder.js';
import type { SessionOptions } from './session.js';

/** `question_encoder/` and `generator/` of the bundle in `modelDir`. */
export async function loadBundleSessions(
  modelDir: string, session: SessionOptions,
): Promise<{ questionEncoder: DprEncoder; generator: BartGenerator }> {
  const questionEncoder = await DprEncoder.load(join(modelDir, 'question_encoder'), session);
  try {
    return { questionEncoder, generator: await BartGenerator.load(join(modelDir, 'generator'), session) };
  } catch (err) {
    await questionEncoder.close();
    throw err;
  }
}
