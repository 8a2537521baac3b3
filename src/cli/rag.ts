/**
 * The command line over the engine, without HTTP:
 *   rag ask "question" [--mode token|sequence] [--n-docs 5] [--beams 4] [--max-new-tokens 50] [--jeopardy]
 *     [--extractive on|off]
 *   rag index build corpus.jsonl --out DIR [--index-type auto|flat|hnsw|ivf_pq]
 *   rag eval qa.jsonl [--mode ...] [--n-docs ...] [--beams ...] [--extractive on|off] [--limit N] [--misses]
 *     [--records OUT.jsonl]
 *   rag calibrate records.jsonl... [--dev FILE,FILE] [--precision 0.5]
 *   rag finetune --bundle=DIR --corpus=docs.jsonl --train=qa.jsonl [--dev=qa.jsonl] --out=DIR [--key=value ...]
 *     (the Python toolchain's `ragkit.finetune`, given its arguments as they are; see onnx/README.md)
 * `--extractive` overrides the bundle's `tasks.answer.extractive` (answers copied from a passage). Common options: --model DIR (default onnx/demo), --index DIR (default index-data), --device cpu|cuda.
 * `npm run rag -- ask "who wrote Emacs?"`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Device } from '../config.js';
import { INDEX_KINDS, type IndexKind } from '../retriever/index-spec.js';
import { buildIndex } from './build-index.js';
import { calibrate } from './calibrate.js';
import { evaluate } from './evaluate.js';
import { openEngine } from './open-engine.js';

const USAGE = `usage:
  rag ask "question" [--jeopardy] [--mode token|sequence] [--n-docs N] [--beams N] [--max-new-tokens N]
    [--extractive on|off]
  rag index build corpus.jsonl --out DIR [--index-type auto|flat|hnsw|ivf_pq]
  rag eval qa.jsonl [--mode token|sequence] [--n-docs N] [--beams N] [--extractive on|off] [--limit N] [--misses]
    [--records OUT.jsonl]
  rag calibrate records.jsonl... [--dev FILE,FILE] [--precision P]
  rag finetune --bundle=DIR --corpus=docs.jsonl --train=qa.jsonl [--dev=qa.jsonl] --out=DIR [--key=value ...]
options: --model DIR (onnx/demo)  --index DIR (index-data)  --device cpu|cuda`;

const DEMO_CORPUS = fileURLToPath(new URL('../../index-data/demo/foldoc.jsonl', import.meta.url));
const TOOLCHAIN = fileURLToPath(new URL('../../onnx', import.meta.url));

/**
 * `rag finetune ...`: runs `python3 -m ragkit.finetune` with the arguments as given (its own `--key=value` options,
 * paths relative to the current directory) and exits with its status.
 */
function finetune(args: string[]): void {
  const python = process.env.PYTHON ?? '/usr/bin/python3'; // as scripts/test.sh: Debian's Python has torch
  const pythonPath = [TOOLCHAIN, process.env.PYTHONPATH].filter(Boolean).join(':');
  const child = spawn(python, ['-m', 'ragkit.finetune', ...args], { stdio: 'inherit', env: { ...process.env, PYTHONPATH: pythonPath } });
  child.on('error', (err) => {
    console.error(`rag: cannot start ${python}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer between ${min} and ${max}`);
  return n;
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'finetune') {
    finetune(argv.slice(1));
    return;
  }
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'onnx/demo' },
      index: { type: 'string', default: 'index-data' },
      device: { type: 'string', default: 'cpu' },
      out: { type: 'string' },
      'index-type': { type: 'string', default: 'auto' },
      mode: { type: 'string', default: 'token' },
      'n-docs': { type: 'string' },
      beams: { type: 'string' },
      'max-new-tokens': { type: 'string' },
      extractive: { type: 'string' },
      limit: { type: 'string' },
      records: { type: 'string' },
      dev: { type: 'string' },
      precision: { type: 'string', default: '0.5' },
      jeopardy: { type: 'boolean', default: false },
      misses: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return;
  }
  if (values.device !== 'cpu' && values.device !== 'cuda') throw new Error('--device must be cpu or cuda');
  if (values.mode !== 'token' && values.mode !== 'sequence') throw new Error('--mode must be token or sequence');
  if (values.extractive !== undefined && values.extractive !== 'on' && values.extractive !== 'off') {
    throw new Error('--extractive must be on or off');
  }
  const device = values.device as Device;
  const gen = {
    mode: values.mode as 'token' | 'sequence',
    nDocs: intOption(values['n-docs'], 'n-docs', 5, 1, 50),
    numBeams: intOption(values.beams, 'beams', 4, 1, 8),
    maxNewTokens: intOption(values['max-new-tokens'], 'max-new-tokens', 50, 1, 256),
    extractive: values.extractive === undefined ? undefined : values.extractive === 'on',
  };
  if (command === 'index' && rest[0] === 'build' && rest[1]) {
    if (!values.out) throw new Error('rag index build needs --out DIR');
    const kind = values['index-type']!;
    if (kind !== 'auto' && !(INDEX_KINDS as readonly string[]).includes(kind)) {
      throw new Error(`--index-type must be one of auto, ${INDEX_KINDS.join(', ')}`);
    }
    await buildIndex({
      corpus: rest[1], indexDir: values.out, modelDir: values.model!, device,
      indexKind: kind === 'auto' ? undefined : (kind as IndexKind),
    });
    return;
  }
  if (command === 'calibrate') {
    const precision = Number(values.precision);
    if (!(precision > 0 && precision <= 1)) throw new Error('--precision must be a number above 0 and at most 1');
    if (rest.length === 0) throw new Error('rag calibrate needs the records that rag eval --records wrote');
    await calibrate(rest, values.dev ? values.dev.split(',') : [], precision);
    return;
  }
  if (command !== 'ask' && command !== 'eval') throw new Error(`unknown command "${positionals.join(' ')}"\n${USAGE}`);
  if (!rest[0]) throw new Error(`rag ${command} needs ${command === 'ask' ? 'a question' : 'a qa.jsonl file'}`);
  const { engine, close } = await openEngine({ modelDir: values.model!, indexDir: values.index!, device, demoCorpus: DEMO_CORPUS });
  try {
    if (command === 'ask') {
      const result = values.jeopardy
        ? await engine.jeopardy({ ...gen, answer: rest[0] })
        : await engine.answer({ ...gen, question: rest[0] });
      console.log(result.text);
      for (const d of result.documents) {
        console.log(`  ${d.weight.toFixed(3)}  ${d.title}: ${d.text.slice(0, 100)}${d.text.length > 100 ? '...' : ''}`);
      }
      console.log(`  (${result.mode}, index ${result.indexVersion}, ${result.timingsMs.total.toFixed(0)} ms)`);
    } else {
      const limit = values.limit === undefined ? Infinity : intOption(values.limit, 'limit', 0, 1, 1e9);
      await evaluate(engine, rest[0], gen, limit, { misses: values.misses, records: values.records });
    }
  } finally {
    await close();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`rag: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
