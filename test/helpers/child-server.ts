/**
 * Runs the real service entry (src/server.ts, or any command that ends up running it) in a child process, for the
 * tests that kill it or signal it: resolves its URL once it listens, and collects its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Root of the repository (the child's working directory). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The service entry point. */
export const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url));

/** A started child and what it said. */
export interface ChildServer {
  child: ChildProcess;
  url: Promise<string>;
  exited: Promise<number | null>;
  output(): string;
}

/** Spawns `command` (default: node running the server) with the environment overrides `env`. */
export function startChildServer(env: Record<string, string>, command = [process.execPath, '--import', 'tsx', SERVER]): ChildServer {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO, env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)));
  });
  url.catch(() => {}); // a test that never asks for the URL must not see an unhandled rejection
  return { child, url, exited, output: () => output };
}

/** Polls `GET path` until it answers `status` (default 200), for up to `timeoutMs`. */
export async function waitForStatus(url: string, path: string, status = 200, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await fetch(url + path).then((r) => r.status, () => 0);
    if (got === status) return;
    if (Date.now() > deadline) throw new Error(`GET ${path} answered ${got}, not ${status}, within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
