/**
 * Which fusions onnxruntime applies to a bundle's graphs: each graph is loaded as the service loads it
 * (`createSession` of src/onnx/session.ts, CPU, one thread), the optimized graph onnxruntime writes
 * (`optimizedModelFilePath`) is read back, and the operators before and after are counted, If-branches (the merged
 * decoder's two branches) included. Fused operators of onnxruntime's `com.microsoft` domain show which fusions fire.
 *
 *     npx tsx bench/graph-fusions.ts [--bundle=demo]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSession } from '../src/onnx/session.js';
import { bundleDir } from './bench-index.js';
import { operatorCounts } from './onnx-operators.js';
import { parseOptions } from './options.js';
import { formatTable } from './stats.js';

const opts = parseOptions(process.argv.slice(2), { bundle: 'demo' });
const bundle = bundleDir(opts.bundle);
const GRAPHS = ['question_encoder/model.onnx', 'ctx_encoder/model.onnx', 'generator/onnx/encoder_model.onnx',
  'generator/onnx/decoder_model_merged.onnx'];

const scratch = await mkdtemp(join(tmpdir(), 'graph-fusions-'));
try {
  for (const graph of GRAPHS) {
    const optimized = join(scratch, graph.replaceAll('/', '_'));
    const { session } = await createSession(join(bundle.dir, graph), { device: 'cpu', intraOpThreads: 1, optimizedModelPath: optimized });
    await session.release();
    const before = operatorCounts(await readFile(join(bundle.dir, graph)));
    const after = operatorCounts(await readFile(optimized));
    const names = [...new Set([...before.keys(), ...after.keys()])].sort();
    const rows = names.map((name) => [name, String(before.get(name) ?? 0), String(after.get(name) ?? 0)])
      .sort((a, b) => Number(b[2]) - Number(a[2]) || a[0].localeCompare(b[0]));
    const total = (counts: Map<string, number>) => String([...counts.values()].reduce((s, n) => s + n, 0));
    rows.push(['all operators', total(before), total(after)]);
    console.log(formatTable(`${bundle.name} ${graph}: operators as exported and as onnxruntime runs them`, ['operator', 'as exported', 'as run'], rows));
  }
} finally {
  await rm(scratch, { recursive: true, force: true });
}
