// Times every onnxruntime run of the thread that loads it: the native, synchronous `run` of onnxruntime-node's
// binding (what the session's promise waits for), in wall time and in the calling thread's CPU time. With one
// intra-op thread, onnxruntime computes on the calling thread, so that CPU time is all of the run's work.
//
// Model workers cannot be handed a module, so the benchmark puts this file in NODE_OPTIONS (`--require`) with
// RAG_BENCH_ONNXRUNTIME_CLOCK=1 before it starts them: every thread then installs the clock and answers a
// "report" on the BroadcastChannel CHANNEL with its totals and its own CPU time so far.
'use strict';
const { readFileSync } = require('node:fs');
const { BroadcastChannel, threadId } = require('node:worker_threads');

const CHANNEL = 'rag-bench-onnxruntime-clock';

/** CPU time of the calling thread in ns (the scheduler's own count; getrusage would be the whole process's). */
function threadCpuNs() {
  return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
}

const totals = { threadId, runs: 0, wallNs: 0, cpuNs: 0 };
let installed = false;

/** Wraps the binding's sessions so that each `run` adds to this thread's totals; answers reports. Idempotent. */
function install() {
  if (installed) return;
  installed = true;
  const { binding } = require('onnxruntime-node/dist/binding');
  const Native = binding.InferenceSession;
  binding.InferenceSession = function TimedInferenceSession() {
    const session = new Native();
    const run = session.run.bind(session);
    // NOTE: `run` is a read-only method of the native prototype: shadowed by an own property, not assigned.
    Object.defineProperty(session, 'run', { value: (...args) => {
      const wall = process.hrtime.bigint();
      const cpu = threadCpuNs();
      try {
        return run(...args);
      } finally {
        totals.cpuNs += threadCpuNs() - cpu;
        totals.wallNs += Number(process.hrtime.bigint() - wall);
        totals.runs++;
      }
    } });
    return session;
  };
  const channel = new BroadcastChannel(CHANNEL);
  channel.unref();
  channel.onmessage = (event) => {
    if (event.data === 'report') channel.postMessage({ ...totals, threadCpuNs: threadCpuNs() });
  };
}

if (process.env.RAG_BENCH_ONNXRUNTIME_CLOCK === '1') install();

module.exports = { CHANNEL, install, threadCpuNs };
