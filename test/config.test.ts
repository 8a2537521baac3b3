import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

t.test('loadConfig applies the documented defaults', async (t) => {
  const c = loadConfig({});
  t.match(c, { host: '127.0.0.1', port: 8080, modelDir: 'onnx/demo', indexDir: 'index-data', device: 'cpu',
    logLevel: 'info' });
  t.equal(c.adminToken, undefined);
  t.same(c.batching, { windowMs: 0, maxMembers: 1 }, 'cross-request batching off: it cost CPU per request here (bench/batching.ts)');
});

t.test('loadConfig reads the batching variables; with batching on, up to 8 generations per worker run at once', async (t) => {
  t.same(loadConfig({ RAG_BATCH_WINDOW_MS: '0', RAG_BATCH_MAX_REQUESTS: '4' }).batching, { windowMs: 0, maxMembers: 4 });
  t.match(loadConfig({ RAG_BATCH_MAX_REQUESTS: '16' }, 2), { workers: 2, maxConcurrent: 16 });
  t.match(loadConfig({ RAG_BATCH_MAX_REQUESTS: '4' }, 2), { workers: 2, maxConcurrent: 8 }, 'no more per worker than fit one batch');
  t.match(loadConfig({ RAG_BATCH_MAX_REQUESTS: '1' }, 2), { workers: 2, maxConcurrent: 4 }, 'off: two per worker');
  t.throws(() => loadConfig({ RAG_BATCH_WINDOW_MS: '5000' }), { message: /RAG_BATCH_WINDOW_MS must be an integer between 0 and 1000/ });
  t.throws(() => loadConfig({ RAG_BATCH_MAX_REQUESTS: '0' }), { message: /RAG_BATCH_MAX_REQUESTS must be an integer between 1 and 64/ });
});

t.test('loadConfig reads every variable', async (t) => {
  const c = loadConfig({
    HOST: '0.0.0.0', PORT: '9000', RAG_MODEL_DIR: '/m', RAG_INDEX_DIR: '/i', RAG_DEVICE: 'cuda',
    RAG_ADMIN_TOKEN: 'tok', LOG_LEVEL: 'debug', RAG_MAX_CONCURRENT: '3', RAG_MAX_QUEUE: '0',
    RAG_MAX_UPLOAD_BYTES: '1000',
  });
  t.match(c, { host: '0.0.0.0', port: 9000, modelDir: '/m', indexDir: '/i', device: 'cuda', adminToken: 'tok',
    logLevel: 'debug', maxConcurrent: 3, maxQueue: 0, maxUploadBytes: 1000 });
});

t.test('loadConfig treats an empty RAG_ADMIN_TOKEN as unset', async (t) => {
  t.equal(loadConfig({ RAG_ADMIN_TOKEN: '' }).adminToken, undefined);
});

t.test('loadConfig rejects bad values, naming the variable and what it must be', async (t) => {
  t.throws(() => loadConfig({ PORT: 'http' }), new ConfigError('PORT must be an integer between 0 and 65535, got "http"'));
  t.throws(() => loadConfig({ PORT: '70000' }), ConfigError);
  t.throws(() => loadConfig({ RAG_DEVICE: 'tpu' }), { message: /RAG_DEVICE must be one of cpu, cuda/ });
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), { message: /LOG_LEVEL must be one of/ });
  t.throws(() => loadConfig({ RAG_MAX_CONCURRENT: '0' }), { message: /RAG_MAX_CONCURRENT/ });
});

t.test('loadConfig sizes the model workers by the cores: workers x threads within them, two generations per worker', async (t) => {
  t.match(loadConfig({}, 2), { workers: 2, onnxThreads: 1, maxConcurrent: 4 });
  t.match(loadConfig({}, 16), { workers: 4, onnxThreads: 4, maxConcurrent: 8 }, 'at most 4 workers by default');
  t.match(loadConfig({ RAG_WORKERS: '3', RAG_ONNX_THREADS: '2', RAG_MAX_CONCURRENT: '5' }, 2), { workers: 3, onnxThreads: 2, maxConcurrent: 5 });
  const inThread = loadConfig({ RAG_WORKERS: '0' }, 8);
  t.match(inThread, { workers: 0, maxConcurrent: 1 });
  t.equal(inThread.onnxThreads, undefined, 'on the main thread, onnxruntime chooses its threads');
  t.throws(() => loadConfig({ RAG_WORKERS: '-1' }), { message: /RAG_WORKERS must be an integer between 0 and 64/ });
  t.throws(() => loadConfig({ RAG_ONNX_THREADS: '0' }), { message: /RAG_ONNX_THREADS must be an integer between 1 and 256/ });
});

t.test('RAG_KEEP_VERSIONS sets how many index versions are kept: 5 by default, at least 1', async (t) => {
  t.equal(loadConfig({}).keepVersions, 5);
  t.equal(loadConfig({ RAG_KEEP_VERSIONS: '2' }).keepVersions, 2);
  t.throws(() => loadConfig({ RAG_KEEP_VERSIONS: '0' }), { message: /RAG_KEEP_VERSIONS must be an integer between 1 and 1000, got "0"/ });
});

t.test('RAG_NPROBE and RAG_EF_SEARCH override the search parameters builds recorded; unset, none', async (t) => {
  t.same(loadConfig({}).search, {});
  t.same(loadConfig({ RAG_NPROBE: '128', RAG_EF_SEARCH: '64' }).search, { nprobe: 128, ef_search: 64 });
  t.throws(() => loadConfig({ RAG_NPROBE: '0' }), { message: /RAG_NPROBE must be an integer between 1 and 65536, got "0"/ });
  t.throws(() => loadConfig({ RAG_EF_SEARCH: 'many' }), { message: /RAG_EF_SEARCH must be an integer between 1 and 65536/ });
});
