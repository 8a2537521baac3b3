/**
 * The benchmark runs end to end in its quick mode on the tiny bundle and prints every table with its rows.
 * No timing is asserted (the machines are shared and noisy): only that each cell holds a measured number.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { formatTable, quantile, ratio, summarize } from '../../bench/stats.js';
import { tableRows } from '../helpers/bench-tables.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

function bench(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/run.ts'), ...args], { cwd: ROOT, timeout: 180_000 });
}

const isMeasured = (cell: string) => Number.isFinite(Number.parseFloat(cell)) && Number.parseFloat(cell) >= 0;

t.test('median and p90 interpolate between samples; ratios and tables print', async (t) => {
  t.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  t.same(summarize([5, 1, 4, 2, 3]), { n: 5, median: 3, p90: 4.6 });
  t.ok(Number.isNaN(quantile([], 0.5)), 'no samples, no quantile');
  t.equal(ratio(30, 10), '3.0x');
  t.equal(ratio(5, 0), '-', 'no ratio against zero');
  const table = formatTable('T', ['name', 'value'], [['a', '1.5'], ['long name', '10']]);
  t.equal(table, ['T', '| name      | value |', '|-----------|-------|', '| a         |   1.5 |', '| long name |    10 |'].join('\n'));
});

t.test('npm run bench --quick prints the machine and the five tables for the tiny bundle', async (t) => {
  const { stdout } = await bench('--quick', '--repeats=1', '--leak-requests=3', '--bundles=tiny,/nonexistent/no-bundle');
  t.match(stdout, /^machine: \d+ cores, .+\nnode \d+\.\d+\.\d+, onnxruntime-node \d+\.\d+\.\d+/, 'the machine comes first');
  t.match(stdout, /no-bundle: skipped, no bundle at \/nonexistent\/no-bundle/, 'a missing bundle is skipped with a note');

  t.match(stdout, /tiny: the encoder over 5 inputs of \d+ tokens takes [\d.]+ ms .* first step .* [\d.]+ ms/, 'encoder and first step are timed');
  const steps = tableRows(stdout, '1. decoder');
  t.same(steps.map((r) => [r[0], r[2]]), [['tiny', '8'], ['tiny', '16'], ['tiny', '32']], 'one row per output length');
  for (const row of steps) t.ok(row.slice(3, 7).every(isMeasured) && /^\d+(\.\d)?x$/.test(row[7]), `measured: ${row.join(' | ')}`);

  const modes = tableRows(stdout, '2. answer latency');
  t.same(modes.map((r) => r[1]), ['token greedy', 'token beam 4', 'token beam 4, extractive', 'sequence thorough (4 beams)', 'sequence fast (4 beams)']);
  for (const row of modes) {
    t.equal(row[2], '5', 'n_docs 5');
    t.ok(row.slice(3, 10).every(isMeasured), `measured: ${row.join(' | ')}`);
  }
  t.match(stdout, /tiny: the bench pipeline's answers equal the engine's/, 'the pipeline behind the fast row answers like the engine');

  const concurrency = tableRows(stdout, '3. concurrent');
  t.same(concurrency.map((r) => [r[1], r[2]]), [['off', '1'], ['off', '2'], ['off', '4'], ['on', '1'], ['on', '2'], ['on', '4']],
    'one row per number of clients, without and with batching');
  for (const row of concurrency) t.ok(row.slice(3, 8).every(isMeasured), `measured: ${row.join(' | ')}`);
  for (const row of concurrency.filter((r) => r[1] === 'on')) {
    t.ok(Number(row[9]) >= 1 && Number(row[10]) >= 1, `batch sizes: ${row.join(' | ')}`);
  }

  const memory = tableRows(stdout, '4. memory');
  t.equal(memory.length, 1, 'one memory row');
  t.ok(Number(memory[0][5]) >= 3, 'at least the requests asked for ran between the readings');
  t.ok(Number(memory[0][3]) > 0 && /^[+-]\d+\.\d$/.test(memory[0][8]), `RSS after load and its growth: ${memory[0].join(' | ')}`);
  t.match(memory[0][9], /^[+-]\d+\.\d \(10\)$/, 'the leak check ends with 10 greedy requests at least');

  const serving = tableRows(stdout, '5. HTTP service');
  t.same(serving.map((r) => r[1].replace(/^[1-9]\d*$/, 'N')), ['0 (main thread)', 'N'], 'models on the main thread, then in N workers');
  for (const row of serving) t.ok(row.slice(3, 10).every(isMeasured) && /^\d+(\.\d)?x$/.test(row[10]), `measured: ${row.join(' | ')}`);
});

t.test('an unknown option is refused with the list of known ones', async (t) => {
  const failed = await bench('--quick', '--repeat=3').then(() => undefined, (err: { code: number; stderr: string }) => err);
  t.ok(failed && failed.code !== 0, 'the run fails');
  t.match(failed?.stderr, /unknown argument --repeat=3; known: --bundles, --repeats/);
});
