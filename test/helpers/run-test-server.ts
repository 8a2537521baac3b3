/**
 * Runs the real server entry (`startServer`) with the test doubles, for the SIGTERM test: `node --import tsx
 * test/helpers/run-test-server.ts` with the usual environment (PORT=0 picks a free port; FAKE_STEP_DELAY_MS slows
 * the fake generation down).
 */
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { FakeEngine } from './fake-engine.js';
import { FakeIndexManager } from './fake-index-manager.js';

/** The index double, saying when the server closes it. */
class ManagedFakeIndex extends FakeIndexManager {
  override async close(): Promise<void> {
    console.log(JSON.stringify({ msg: 'fake index closed' }));
  }
}

const engine = new FakeEngine();
engine.stepDelayMs = Number(process.env.FAKE_STEP_DELAY_MS ?? 0);
const close = engine.close.bind(engine);
engine.close = async () => {
  console.log(JSON.stringify({ msg: 'fake engine closed' }));
  await close();
};
await startServer(loadConfig(), { indexManager: new ManagedFakeIndex(), makeEngine: async () => engine });
