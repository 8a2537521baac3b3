/**
 * Starts a worker thread on a module of this project, compiled or run from TypeScript source.
 */
import { Worker } from 'node:worker_threads';

/**
 * A worker on the module at `moduleUrl` (pass `import.meta.url`) with `data` as its workerData. Compiled (.js), it
 * loads directly. Run from TypeScript source (tsx, tap), it goes through tsx's API: on Node 20, tsx registers its
 * loader on the main thread only, so a worker given the .ts file fails with "Unknown file extension". The parent's
 * loader flags are dropped so that nothing registers twice (and no test harness starts inside the worker).
 */
export function startWorker(moduleUrl: string, data: unknown): Worker {
  const self = new URL(moduleUrl);
  if (!self.pathname.endsWith('.ts')) return new Worker(self, { workerData: data });
  // Resolved here, so that the worker finds tsx wherever the process was started from.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(self.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: data, execArgv: [] });
}
