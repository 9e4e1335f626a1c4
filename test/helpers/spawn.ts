import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';

/** Absolute path of a compiled entry point, e.g. `dist/src/node/main.js`. */
export function distPath(relative: string): string {
  return fileURLToPath(new URL(`../../../${relative}`, import.meta.url));
}

export interface RunningProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout JSON log line whose `msg` matches. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `node <script>`; killed at teardown if still running. */
export function spawnNode(t: ExecutionContext, script: string, env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, [distPath(script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => ((out += chunk.toString()), listeners.forEach((l) => l())));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  const findLog = (msg: string) =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((entry) => entry.msg === msg);

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLog: (msg, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const entry = findLog(msg);
          if (entry) return done(() => resolve(entry));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`no "${msg}" log within ${timeoutMs} ms\nstdout:${out}\nstderr:${err}`))), timeoutMs);
        const onExit = () => done(() => reject(new Error(`process exited before "${msg}"\nstdout:${out}\nstderr:${err}`)));
        const done = (finish: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
          finish();
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      }),
  };
}

/** True once nothing listens on the loopback port any more. */
export function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.on('connect', () => (socket.destroy(), resolve(false)));
    socket.on('error', () => resolve(true));
  });
}

/**
 * Starts `script` with settings it cannot start with, and checks it says why in words on stderr
 * (matching `reason`), with no stack trace, and exits 1.
 */
export async function assertStartFails(t: ExecutionContext, script: string, env: Record<string, string>, reason: RegExp): Promise<void> {
  const proc = spawnNode(t, script, env);
  const { code } = await proc.exited;
  t.is(code, 1);
  t.regex(proc.stderr(), reason);
  t.notRegex(proc.stderr(), /\n\s+at /, 'no stack trace');
}

/** A loopback port nothing listens on right now (free to bind, or to find closed). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
