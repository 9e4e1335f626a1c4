/**
 * Every process the bench starts goes through here, so that all of them are stopped at the end:
 * normally, on an error, and on SIGINT / SIGTERM / SIGHUP (see main.ts).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';

/** File descriptors each process may open (servers hold one per connection). */
export const FD_LIMIT = 20_000;
/** SIGTERM first; SIGKILL if the process is still there after this long. */
export const STOP_GRACE_MS = 12_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Tracked {
  name: string;
  child: ChildProcess;
  /** Resolves when the process has exited (also if it never started). */
  exited: Promise<ExitInfo>;
  readonly running: boolean;
  /** Set once the bench asked it to stop (or is stopping everything): its complaints are expected. */
  readonly stopping: boolean;
}

const live = new Set<Tracked>();
const stopRequested = new WeakSet<ChildProcess>();
let stoppingAll = false;

// Raise the soft fd limit (to the hard one if that is lower) in a shell that then execs the
// command, so the pid we hold is the command's own and signals reach it.
const FD_SCRIPT = `ulimit -n ${FD_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true; exec "$@"`;

export interface SpawnOptions {
  env: NodeJS.ProcessEnv;
  stdio: StdioOptions;
}

export function spawnTracked(name: string, command: string, args: readonly string[], options: SpawnOptions): Tracked {
  const child = spawn('/bin/sh', ['-c', FD_SCRIPT, 'sh', command, ...args], { env: options.env, stdio: options.stdio });
  let running = true;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const tracked: Tracked = {
    name,
    child,
    exited,
    get running() {
      return running;
    },
    get stopping() {
      return stoppingAll || stopRequested.has(child);
    },
  };
  live.add(tracked);
  void exited.then(() => {
    running = false;
    live.delete(tracked);
  });
  return tracked;
}

export function describeExit(info: ExitInfo): string {
  return info.signal ? `killed by ${info.signal}` : `exited with code ${String(info.code)}`;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(p: Tracked, graceMs = STOP_GRACE_MS): Promise<void> {
  if (!p.running) return;
  stopRequested.add(p.child);
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write(`bench: ${p.name} still running ${graceMs / 1000} s after SIGTERM, killing it\n`);
    p.child.kill('SIGKILL');
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

export async function stopAll(graceMs = STOP_GRACE_MS): Promise<void> {
  stoppingAll = true;
  await Promise.all([...live].map((p) => stopProcess(p, graceMs)));
}

// Last resort if main exits with processes still running (e.g. process.exit on a second Ctrl-C).
process.on('exit', () => {
  for (const p of live) p.child.kill('SIGKILL');
});
