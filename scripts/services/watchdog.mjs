// Sidecar watchdog: stops this process's services (and removes their dirs) if it dies without doing so.

import { spawn } from 'node:child_process';

import { STOP_GRACE_MS } from './common.mjs';

// process watchdog: if this Node process dies without stopping its services
// (SIGKILL, crash, worker terminated), a tiny sidecar notices its stdin pipe
// closing and terminates them. Only used for non-detached services.

const WATCHDOG_SRC = `
const pids = new Set();
const dirs = new Set();
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const sp = line.indexOf(' ');
    const op = line.slice(0, sp), arg = line.slice(sp + 1);
    if (op === 'add') pids.add(+arg);
    else if (op === 'del') pids.delete(+arg);
    else if (op === 'rmdir') dirs.add(arg);
    else if (op === 'keepdir') dirs.delete(arg);
  }
});
process.stdin.on('close', () => {
  const alive = (p) => {
    try { process.kill(p, 0); } catch { return false; }
    try { const st = require('fs').readFileSync('/proc/' + p + '/stat', 'utf8'); return !/^[ZX]/.test(st.slice(st.lastIndexOf(')') + 2)); } catch { return true; }
  };
  const live = () => [...pids].filter(alive);
  for (const p of live()) { try { process.kill(p, 'SIGTERM'); } catch {} }
  const t0 = Date.now();
  const tick = setInterval(() => {
    const l = live();
    if (l.length === 0 || Date.now() - t0 > ${STOP_GRACE_MS}) {
      for (const p of l) { try { process.kill(p, 'SIGKILL'); } catch {} }
      clearInterval(tick);
      setTimeout(() => {
        for (const d of dirs) { try { require('fs').rmSync(d, { recursive: true, force: true }); } catch {} }
        process.exit(0);
      }, l.length ? 200 : 0);
    }
  }, 100);
});
`;

let watchdog = null;
const owned = new Map(); // pid -> ChildProcess, for the exit hook

export function toWatchdog(line) {
  try {
    if (!watchdog) {
      watchdog = spawn(process.execPath, ['-e', WATCHDOG_SRC], {
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      });
      watchdog.on('error', () => {
        watchdog = null;
      });
      watchdog.stdin.on('error', () => {});
      watchdog.unref();
      watchdog.stdin.unref?.();
      process.once('exit', () => {
        // last resort for normal exits: ask every service still running to stop
        for (const child of owned.values()) {
          try {
            child.kill('SIGTERM');
          } catch {
            /* gone */
          }
        }
      });
    }
    watchdog.stdin.write(`${line}\n`);
  } catch {
    /* the watchdog is a safety net only */
  }
}

/** Hand a non-detached service to the watchdog (and to the exit hook). */
export function watch(child) {
  owned.set(child.pid, child);
  toWatchdog(`add ${child.pid}`);
}

export function unwatch(pid) {
  owned.delete(pid);
  if (watchdog) toWatchdog(`del ${pid}`);
}

