/** Opens the index manager and the engine the way the server does, for the CLI. */
import type { Device } from '../config.js';
import { IndexManager } from '../index/index-manager.js';
import { OnnxRagEngine } from '../rag/rag-engine.js';

/**
 * The engine over an index directory (built from the demo corpus when empty), and how to close both. An index that
 * another context encoder embedded is re-embedded first: unlike the server, a one-shot command has no reason to
 * answer from vectors the question encoder cannot match.
 */
export async function openEngine(opts: { modelDir: string; indexDir: string; device: Device; demoCorpus: string }) {
  const log = { info: (m: string) => console.error(m), warn: (m: string) => console.error(m) };
  const index = await IndexManager.open({ ...opts, log });
  try {
    const reembed = index.reembedJob;
    if (reembed) {
      const done = await index.waitForJob(reembed.id);
      if (done.state !== 'succeeded') throw new Error(`re-embedding the index failed: ${done.error}`);
    }
    const engine = await OnnxRagEngine.load({ modelDir: opts.modelDir, index, device: opts.device, warn: log.warn });
    return { engine, close: async () => { await engine.close(); await index.close(); } };
  } catch (err) {
    await index.close();
    throw err;
  }
}
