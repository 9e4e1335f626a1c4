// CLI run: start whatever services the environment lacks on free ports, run one command, stop them.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { ALL, ENV_NAME, startAll } from './all.mjs';
import { ROOT } from './common.mjs';

export async function cliRun(command) {
  if (command.length === 0) {
    process.stderr.write('usage: node scripts/services.mjs run -- <command...>\n');
    return 2;
  }
  const missing = ALL.filter((n) => !process.env[ENV_NAME[n]]);
  let svc = null;
  let stopping = null;
  const cleanup = () => (stopping ??= svc ? svc.stop().catch((e) => process.stderr.write(`services: stop failed: ${e.message}\n`)) : Promise.resolve());

  const baseDir = path.join(ROOT, '.data', `test-${process.pid}`);
  let child = null;
  let signalled = null;
  const onSignal = (sig) => {
    if (child && child.exitCode === null && child.signalCode === null) {
      signalled ??= sig;
      child.kill(sig);
    } else if (!child && signalled) {
      // second signal while services are still starting: give up now; the
      // watchdog and the exit hook terminate what was spawned
      fs.rmSync(baseDir, { recursive: true, force: true });
      process.exit(130);
    } else signalled ??= sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);

  const env = { ...process.env };
  if (missing.length) {
    try {
      svc = await startAll({ only: missing, baseDir, removeDir: true });
    } catch (e) {
      process.stderr.write(`services: ${e.message}\n`);
      fs.rmSync(baseDir, { recursive: true, force: true });
      return 1;
    }
    if (signalled) {
      await cleanup();
      return 128 + (signalled === 'SIGINT' ? 2 : 15);
    }
    Object.assign(env, svc.env);
    const desc = missing.map((n) => `${n} ${svc.services[n].url} (${(svc.services[n].startMs / 1000).toFixed(1)} s)`).join(', ');
    process.stderr.write(`services: ${desc}\n`);
  }

  const code = await new Promise((resolve) => {
    child = spawn(command[0], command.slice(1), { stdio: 'inherit', env });
    child.once('error', (e) => {
      process.stderr.write(`services: cannot run ${command[0]}: ${e.message}\n`);
      resolve(127);
    });
    child.once('exit', (c, sig) => {
      if (sig) {
        const n = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGKILL: 9 }[sig] ?? 1;
        resolve(128 + n);
      } else resolve(c ?? 1);
    });
  });
  await cleanup();
  return code;
}
