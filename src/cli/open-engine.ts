/** Opens the index manager and the engine the way the server does, for the CLI. */
import type { Device } from '../config.js';
import { IndexManager } from '../index/index-manager.js';
import { OnnxRagEngine } from '../rag/rag-engine.js';

/** The engine over an index directory (built from the demo corpus when empty), and how to close both. */
export async function openEngine(opts: { modelDir: string; indexDir: string; device: Device; demoCorpus: string }) {
  const log = { info: (m: string) => console.error(m), warn: (m: string) => console.error(m) };
  const index = await IndexManager.open({ ...opts, log });
  try {
    const engine = await OnnxRagEngine.load({ modelDir: opts.modelDir, index, device: opts.device, warn: log.warn });
    return { engine, close: async () => { await engine.close(); await index.close(); } };
  } catch (err) {
    await index.close();
    throw err;
  }
}
