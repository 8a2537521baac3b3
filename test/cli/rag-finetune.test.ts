/**
 * `rag finetune` hands its arguments to the Python toolchain's `ragkit.finetune` and exits with its status. The
 * fine-tuning itself is tested on the Python side (onnx/tests/test_finetune.py); here only the hand-over, through a
 * bad bundle that the command refuses before it trains.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

t.test('rag finetune passes its options to ragkit.finetune and reports its error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'rag-finetune-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const failed = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/rag.ts'), 'finetune', `--bundle=${dir}`,
    '--corpus=docs.jsonl', '--train=qa.jsonl', `--out=${join(dir, 'out')}`], { cwd: ROOT, timeout: 120_000 })
    .then(() => null, (err: { code: number; stderr: string }) => err);
  t.ok(failed, 'the command fails');
  t.equal(failed?.code, 1);
  t.match(failed?.stderr, `--bundle: ${dir} is not a model bundle`, 'the error names the bundle');
});
