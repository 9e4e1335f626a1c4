/**
 * Runs the bench main (dist/bench/main.js) as a child process with a deadline, and reads its
 * `BENCH {json}` lines. It runs in a process group of its own, so whatever it started can be killed
 * with it when it overruns or the test ends early.
 */
import { spawn } from 'node:child_process';
import type { ExecutionContext } from 'ava';
import { distPath } from '../helpers/spawn.js';

/** After SIGTERM at the deadline, the bench gets this long to stop what it started (it SIGKILLs after 12 s itself). */
const STOP_GRACE_MS = 15_000;

export interface BenchRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It was still running at the deadline and was stopped. */
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** One `BENCH {json}` line: a scenario's or a measure's (counts, then figures of its own). */
export interface BenchLine {
  scenario: string;
  ok: boolean;
  error?: string;
  [field: string]: unknown;
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone already
  }
}

/** `env` on top of the test's own; a variable set to undefined is left out. */
export function runBench(t: ExecutionContext, env: Record<string, string | undefined>, deadlineMs: number): Promise<BenchRun> {
  const child = spawn(process.execPath, [distPath('dist/bench/main.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const pid = child.pid!;
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  t.teardown(() => killGroup(pid, 'SIGKILL'));
  let timedOut = false;
  let killTimer: NodeJS.Timeout | undefined;
  // At the deadline: SIGTERM to main, which stops every process it started; SIGKILL to all if that hangs.
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), STOP_GRACE_MS);
  }, deadlineMs);
  child.once('exit', () => {
    clearTimeout(deadline);
    clearTimeout(killTimer);
    // Anything main left behind (it should leave nothing) goes with its group, and with it the
    // last holders of the output pipes (generators share main's stdout).
    killGroup(pid, 'SIGKILL');
  });
  return new Promise((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal, timedOut, stdout, stderr }));
  });
}

export function benchLines(stdout: string): BenchLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('BENCH {'))
    .map((line) => JSON.parse(line.slice('BENCH '.length)) as BenchLine);
}

/** The last lines of the bench's output, for a failure message. */
export function tail(run: BenchRun, lines = 60): string {
  return `stdout:\n${run.stdout.split('\n').slice(-lines).join('\n')}\nstderr:\n${run.stderr.split('\n').slice(-lines).join('\n')}`;
}
