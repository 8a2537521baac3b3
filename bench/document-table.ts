/**
 * The memory of a segment's document-id table at Wikipedia-like counts: a Map of id -> {first, count} (what
 * segments held before) against DocumentTable (src/index/document-table.ts: ids and runs off the heap). Each arm
 * runs in a child process of its own with a forced GC before and after, ids like "wiki-12345678" one row each.
 *
 *     npx tsx bench/document-table.ts [--ids=1000000]
 */
import { execFileSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { DocumentTable } from '../src/index/document-table.js';
import { formatTable } from './stats.js';

const MB = 2 ** 20;
type Arm = 'map' | 'table';
interface Reading { heapMb: number; offHeapMb: number; seconds: number }

function measure(arm: Arm, ids: number): Reading {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the arm with --expose-gc');
  gc();
  const before = process.memoryUsage();
  const started = performance.now();
  const kept = arm === 'map' ? new Map<string, { first: number; count: number }>() : new DocumentTable();
  for (let i = 0; i < ids; i++) {
    if (kept instanceof Map) kept.set(`wiki-${i}`, { first: i, count: 1 });
    else kept.add(`wiki-${i}`, i, 1);
  }
  const seconds = (performance.now() - started) / 1000;
  gc();
  const after = process.memoryUsage();
  if (kept.size !== ids) throw new Error('lost ids');
  const offHeap = (m: NodeJS.MemoryUsage) => m.external; // it includes arrayBuffers
  return { heapMb: (after.heapUsed - before.heapUsed) / MB, offHeapMb: (offHeap(after) - offHeap(before)) / MB, seconds };
}

function main(): void {
  const arm = process.env.DOCUMENT_TABLE_ARM as Arm | undefined;
  const idsArg = process.argv.slice(2).find((a) => a.startsWith('--ids='));
  const ids = Number(idsArg?.slice('--ids='.length) ?? 1_000_000);
  if (!Number.isInteger(ids) || ids < 1) throw new Error(`--ids must be a positive integer, got ${idsArg}`);
  if (arm) {
    process.stdout.write(JSON.stringify(measure(arm, ids)));
    return;
  }
  const rows = (['map', 'table'] as const).map((which) => {
    const out = execFileSync(process.execPath, ['--expose-gc', ...process.execArgv, process.argv[1], `--ids=${ids}`],
      { env: { ...process.env, DOCUMENT_TABLE_ARM: which }, maxBuffer: 1 << 20 }).toString();
    const r = JSON.parse(out) as Reading;
    return [which === 'map' ? 'Map<string, {first, count}>' : 'DocumentTable', r.heapMb.toFixed(0), r.offHeapMb.toFixed(0),
      ((r.heapMb + r.offHeapMb) * MB / ids).toFixed(0), r.seconds.toFixed(2)];
  });
  console.log(formatTable(`document ids, ${ids} documents of one row`,
    ['table', 'heap MB', 'off-heap MB', 'bytes per id', 'build s'], rows));
}

main();
