// Generic launcher: spawn one service, wait until its probe answers, hand back stop().

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { DEFAULT_TIMEOUT_MS, HOST, STOP_GRACE_MS, Tail, indent, sleep, tailOfFile } from './common.mjs';
import { toWatchdog, unwatch, watch } from './watchdog.mjs';

/**
 * Spawn a service and wait until `probe(port)` succeeds.
 * opts: { name, cmd, args, cwd, env, port, url, probe, logFile, detached, timeoutMs, pidFile, removeDir }
 */
export async function launch(opts) {
  const { name, cmd, args, port, url, probe } = opts;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const detached = !!opts.detached;
  const removeDir = () => {
    if (opts.removeDir) {
      fs.rmSync(opts.removeDir, { recursive: true, force: true });
      toWatchdog(`keepdir ${opts.removeDir}`);
    }
  };
  if (opts.removeDir && !detached) toWatchdog(`rmdir ${opts.removeDir}`);
  const tail = new Tail();
  let logFd = null;
  let stdio;
  if (opts.logFile) {
    fs.mkdirSync(path.dirname(opts.logFile), { recursive: true });
    logFd = fs.openSync(opts.logFile, 'a');
    fs.writeSync(logFd, `\n=== ${new Date().toISOString()} starting ${name}: ${cmd} ${args.join(' ')}\n`);
    stdio = ['ignore', logFd, logFd];
  } else {
    stdio = ['ignore', 'pipe', 'pipe'];
  }
  const output = () => (opts.logFile ? tailOfFile(opts.logFile) : tail.text());

  if (await probe(port)) {
    if (logFd !== null) fs.closeSync(logFd);
    removeDir();
    throw new Error(`${name}: port ${HOST}:${port} already answers; another server is running there`);
  }

  const t0 = Date.now();
  const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio, detached });
  if (logFd !== null) fs.closeSync(logFd);
  child.stdout?.on('data', (d) => tail.push(d));
  child.stderr?.on('data', (d) => tail.push(d));

  let exited = null;
  const exitPromise = new Promise((resolve) => {
    // 'close' (not 'exit'): fires once the output pipes are drained too
    child.once('close', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { error: err };
      resolve(exited);
    });
  });

  if (child.pid) {
    if (detached) {
      child.unref();
      if (opts.pidFile) fs.writeFileSync(opts.pidFile, `${child.pid}\n`);
    } else {
      watch(child);
    }
  }

  const stop = async (graceMs = STOP_GRACE_MS) => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, graceMs);
      await exitPromise;
      clearTimeout(timer);
    }
    unwatch(child.pid);
    removeDir();
  };

  // wait for readiness
  for (;;) {
    if (exited) {
      const out = output();
      await stop();
      if (exited.error) {
        const hint =
          exited.error.code === 'ENOENT' ? ` (is it installed? run: bash scripts/install.sh)` : '';
        throw new Error(`${name}: cannot run ${cmd}: ${exited.error.message}${hint}`);
      }
      const how = exited.signal ? `signal ${exited.signal}` : `exit code ${exited.code}`;
      throw new Error(`${name} exited (${how}) before answering on ${HOST}:${port}. Last output:\n${indent(out)}`);
    }
    if (await probe(port)) break;
    if (Date.now() - t0 > timeoutMs) {
      const out = output();
      await stop(2000);
      throw new Error(`${name} did not answer on ${HOST}:${port} within ${timeoutMs} ms. Last output:\n${indent(out)}`);
    }
    await sleep(exited ? 0 : 50);
  }
  const startMs = Date.now() - t0;
  if (detached) {
    child.stdout?.destroy();
    child.stderr?.destroy();
  }
  return { name, url, port, pid: child.pid, startMs, stop: () => stop(), output, child };
}
