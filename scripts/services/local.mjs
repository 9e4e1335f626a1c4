// CLI start/stop/status: the detached local cluster, tracked by pid/port/log files in one dir.

import fs from 'node:fs';
import path from 'node:path';

import { ALL, ENV_NAME, PROBES, STARTERS } from './all.mjs';
import { DEFAULT_TIMEOUT_MS, HOST, cmdlineOf, indent, pidAlive, sleep, tailOfFile } from './common.mjs';

const MARKER = { zookeeper: 'ZooKeeperServerMain', redis: 'redis-server', mongo: 'ZkchatMongo' };
const DEFAULT_PORT = { zookeeper: 2181, redis: 6379, mongo: 27017 };
const PORT_ENV = { zookeeper: 'ZK_PORT', redis: 'REDIS_PORT', mongo: 'MONGO_PORT' };
const PORT_FLAG = { zookeeper: 'zk', redis: 'redis', mongo: 'mongo' };

function cliPort(name, flags) {
  const v = flags[PORT_FLAG[name]] ?? process.env[PORT_ENV[name]] ?? DEFAULT_PORT[name];
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`bad port for ${name}: ${v}`);
  return n;
}

function urlFor(name, port) {
  return name === 'zookeeper' ? `${HOST}:${port}` : name === 'redis' ? `redis://${HOST}:${port}` : `mongodb://${HOST}:${port}`;
}

function files(dir, name) {
  return {
    pid: path.join(dir, `${name}.pid`),
    port: path.join(dir, `${name}.port`),
    log: path.join(dir, `${name}.log`),
    data: path.join(dir, name),
  };
}

function readInt(file) {
  try {
    const n = parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** pid from the pid file if that process is alive and is really our service, else null. */
function ourPid(dir, name) {
  const pid = readInt(files(dir, name).pid);
  if (!pid || !pidAlive(pid)) return null;
  const cmd = cmdlineOf(pid);
  if (cmd !== null && !cmd.includes(MARKER[name])) return null; // pid reused by something else
  return pid;
}

function removeStateFiles(dir, name) {
  const f = files(dir, name);
  fs.rmSync(f.pid, { force: true });
  fs.rmSync(f.port, { force: true });
}

async function waitGone(pid, ms) {
  const t0 = Date.now();
  while (pidAlive(pid)) {
    if (Date.now() - t0 > ms) return false;
    await sleep(50);
  }
  return true;
}

export async function cliStart(dir, flags) {
  fs.mkdirSync(dir, { recursive: true });
  const timeoutMs = flags.timeout ? Number(flags.timeout) * 1000 : DEFAULT_TIMEOUT_MS;
  const results = await Promise.allSettled(
    ALL.map(async (name) => {
      const f = files(dir, name);
      const pid = ourPid(dir, name);
      if (pid) {
        const port = readInt(f.port) ?? cliPort(name, flags);
        // running (maybe still starting): wait for it to answer
        const t0 = Date.now();
        while (!(await PROBES[name](port))) {
          if (!pidAlive(pid)) throw new Error(`${name} (pid ${pid}) died. Last log lines:\n${indent(tailOfFile(f.log))}`);
          if (Date.now() - t0 > timeoutMs) throw new Error(`${name} (pid ${pid}) runs but does not answer on port ${port}; see ${f.log}`);
          await sleep(100);
        }
        return { name, port, pid, note: 'already running' };
      }
      removeStateFiles(dir, name);
      const port = cliPort(name, flags);
      const opts = { port, dataDir: f.data, persist: true, logFile: f.log, detached: true, pidFile: f.pid, timeoutMs };
      try {
        const svc = await STARTERS[name](opts);
        fs.writeFileSync(f.port, `${port}\n`);
        return { name, port, pid: svc.pid, started: true, note: `started in ${(svc.startMs / 1000).toFixed(1)} s` };
      } catch (e) {
        const p = readInt(f.pid);
        if (p && pidAlive(p)) {
          process.kill(p, 'SIGKILL');
          await waitGone(p, 2000);
        }
        removeStateFiles(dir, name);
        throw e;
      }
    }),
  );
  let failed = false;
  for (const r of results) {
    if (r.status === 'fulfilled') {
      const { name, port, pid, note } = r.value;
      process.stderr.write(`${name.padEnd(9)} pid ${String(pid).padEnd(7)} ${urlFor(name, port).padEnd(26)} ${note}\n`);
    } else {
      failed = true;
      process.stderr.write(`ERROR ${r.reason.message}\n`);
    }
  }
  if (failed) {
    // all or nothing: stop what this invocation started (not what already ran)
    for (const r of results) {
      if (r.status !== 'fulfilled' || !r.value.started) continue;
      const { name, pid } = r.value;
      process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, 10_000))) process.kill(pid, 'SIGKILL');
      removeStateFiles(dir, name);
      process.stderr.write(`${name.padEnd(9)} pid ${String(pid).padEnd(7)} stopped again\n`);
    }
    return 1;
  }
  for (const r of results) process.stdout.write(`${ENV_NAME[r.value.name]}=${urlFor(r.value.name, r.value.port)}\n`);
  return 0;
}

export async function cliStop(dir) {
  await Promise.all(
    ALL.map(async (name) => {
      const pid = ourPid(dir, name);
      if (!pid) {
        removeStateFiles(dir, name);
        process.stderr.write(`${name.padEnd(9)} not running\n`);
        return;
      }
      process.kill(pid, 'SIGTERM');
      let how = 'stopped';
      if (!(await waitGone(pid, 10_000))) {
        process.kill(pid, 'SIGKILL');
        await waitGone(pid, 5_000);
        how = 'killed (did not stop within 10 s of SIGTERM)';
      }
      removeStateFiles(dir, name);
      process.stderr.write(`${name.padEnd(9)} pid ${String(pid).padEnd(7)} ${how}\n`);
    }),
  );
  return 0;
}

export async function cliStatus(dir, flags) {
  let allUp = true;
  for (const name of ALL) {
    const f = files(dir, name);
    const pid = ourPid(dir, name);
    const port = readInt(f.port) ?? cliPort(name, flags);
    const answers = await PROBES[name](port);
    let state;
    if (pid && answers) state = `running   pid ${String(pid).padEnd(7)} ${urlFor(name, port)}`;
    else if (pid) state = `NOT ANSWERING pid ${pid} on port ${port} (see ${f.log})`;
    else if (answers) state = `stopped here, but something else answers on ${urlFor(name, port)}`;
    else state = 'stopped';
    if (!(pid && answers)) allUp = false;
    process.stdout.write(`${name.padEnd(9)} ${state}\n`);
  }
  return allUp ? 0 : 3;
}
