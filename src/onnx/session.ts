/**
 * The only place (with the other src/onnx modules) that imports onnxruntime-node. Creates inference sessions on
 * the requested device and falls back from CUDA to CPU itself: onnxruntime-node throws when the CUDA provider
 * cannot load instead of falling back ("Failed to load shared library"). Also small tensor helpers.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Device } from '../config.js';

/** onnxruntime-node itself, for the other src/onnx modules (tensors, session types); nothing else imports it. */
export { ort };
/** 'cpu' or 'cuda' (the config's type). */
export type { Device } from '../config.js';

/** How to create a session. */
export interface SessionOptions {
  device?: Device;
  /** Threads inside one operator (default: onnxruntime's choice, all physical cores). */
  intraOpThreads?: number;
  /** Threads running independent operators in parallel (default 1: our graphs are sequential). */
  interOpThreads?: number;
  /** Receives the one warning line when CUDA was requested but the CPU is used. */
  warn?: (message: string) => void;
  /** Where onnxruntime writes the graph as it runs it, after its optimizations (bench/graph-fusions.ts). */
  optimizedModelPath?: string;
}

/** A session and the execution provider actually running it. */
export interface LoadedSession {
  session: ort.InferenceSession;
  provider: Device;
}

/**
 * Creates a session for a model file (or a model's bytes); CUDA that cannot start falls back to CPU with one warning
 * saying why.
 */
export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<LoadedSession> {
  const modelPath = typeof model === 'string' ? model : `a ${model.length}-byte in-memory model`;
  const open = (options: ort.InferenceSession.SessionOptions) =>
    (typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options));
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    interOpNumThreads: opts.interOpThreads ?? 1,
    ...(opts.intraOpThreads !== undefined ? { intraOpNumThreads: opts.intraOpThreads } : {}),
    ...(opts.optimizedModelPath !== undefined ? { optimizedModelFilePath: opts.optimizedModelPath } : {}),
    // Warnings about unused initializers and the like would otherwise go to stderr unformatted.
    logSeverityLevel: 3,
  };
  const missing = opts.device === 'cuda' ? missingCudaProvider() : undefined;
  if (missing) {
    (opts.warn ?? console.warn)(`CUDA execution provider unavailable for ${modelPath}, using CPU: ${missing}`);
  } else if (opts.device === 'cuda') {
    try {
      // Fatal-only logging: the failure is reported once, by the warning below, not also by onnxruntime's logger.
      const session = await open({ ...base, logSeverityLevel: 4, executionProviders: ['cuda', 'cpu'] });
      return { session, provider: 'cuda' };
    } catch (err) {
      const why = firstLine(err instanceof Error ? err.message : String(err));
      (opts.warn ?? console.warn)(`CUDA execution provider unavailable for ${modelPath}, using CPU: ${why}`);
    }
  }
  const session = await open({ ...base, executionProviders: ['cpu'] });
  return { session, provider: 'cpu' };
}

/**
 * Why CUDA cannot load, when that is visible without trying: onnxruntime-node's install script downloads the CUDA
 * provider library on demand, and without it a CUDA session attempt also logs a native error line to stderr.
 */
function missingCudaProvider(): string | undefined {
  const pkg = dirname(dirname(createRequire(import.meta.url).resolve('onnxruntime-node')));
  const lib = join(pkg, 'bin', 'napi-v6', process.platform, process.arch,
    process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so');
  if (process.platform !== 'linux' && process.platform !== 'win32') return `no CUDA build of onnxruntime-node for ${process.platform}`;
  return existsSync(lib) ? undefined
    : `onnxruntime-node was installed without its CUDA provider (${lib} is missing; reinstall it with ONNXRUNTIME_NODE_INSTALL=cuda12)`;
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0].trim();
}

/** An int64 tensor from plain numbers (token ids, masks), shape `dims`. */
export function int64Tensor(values: ArrayLike<number>, dims: readonly number[]): ort.Tensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  checkSize(data.length, dims);
  return new ort.Tensor('int64', data, dims);
}

/** A [rows, width] int64 tensor from equally long rows. */
export function int64Matrix(rows: readonly (readonly number[])[]): ort.Tensor {
  const width = rows.length > 0 ? rows[0].length : 0;
  const data = new BigInt64Array(rows.length * width);
  rows.forEach((row, r) => {
    if (row.length !== width) throw new Error(`row ${r} has ${row.length} values, expected ${width}`);
    for (let c = 0; c < width; c++) data[r * width + c] = BigInt(row[c]);
  });
  return new ort.Tensor('int64', data, [rows.length, width]);
}

/** A float32 tensor over `data` (not copied), shape `dims`. */
export function float32Tensor(data: Float32Array, dims: readonly number[]): ort.Tensor {
  checkSize(data.length, dims);
  return new ort.Tensor('float32', data, dims);
}

/** The float32 data of an output tensor, checked against the expected rank. */
export function float32Output(tensor: ort.Tensor | undefined, name: string, rank: number): Float32Array {
  if (!tensor) throw new Error(`the model produced no output "${name}"`);
  if (tensor.type !== 'float32') throw new Error(`output "${name}" is ${tensor.type}, expected float32`);
  if (tensor.dims.length !== rank) throw new Error(`output "${name}" has shape [${tensor.dims}], expected rank ${rank}`);
  return tensor.data as Float32Array;
}

function checkSize(length: number, dims: readonly number[]): void {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (length !== expected) throw new Error(`tensor data has ${length} values but shape [${dims}] needs ${expected}`);
}
