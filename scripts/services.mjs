#!/usr/bin/env node
// Real ZooKeeper, Redis and a MongoDB-compatible server on loopback, for
// development and tests. Plain Node ESM, built-ins only.
//
// Library:
//   import { startZookeeper, startRedis, startMongo, startAll, freePort } from './scripts/services.mjs';
//   const svc = await startAll();            // free ports, temp dir under .data/
//   process.env.ZK_CONNECT = svc.env.ZK_CONNECT; ...
//   await svc.stop();
//
// CLI:
//   node scripts/services.mjs start  [--dir .data/local] [--zk 2181] [--redis 6379] [--mongo 27017]
//   node scripts/services.mjs stop   [--dir .data/local]
//   node scripts/services.mjs status [--dir .data/local]
//   node scripts/services.mjs run -- <command...>
//
// Prerequisites (all installed by `bash scripts/install.sh`): Debian packages
// zookeeper + redis-server, java, and the Mongo launcher built in .cache/mongo/.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
const HOST = '127.0.0.1';
const MONGO_CACHE = path.join(ROOT, '.cache', 'mongo');
const MONGO_CLASSES = path.join(MONGO_CACHE, 'classes');
const MONGO_CLASSPATH_FILE = path.join(MONGO_CACHE, 'classpath.txt');
const ZK_JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];
const DEFAULT_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 40;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tmpDir(prefix) {
  const parent = path.join(ROOT, '.data');
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, prefix));
}

// ---------------------------------------------------------------------------
// small helpers

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Keeps the last `max` lines written to it. */
class Tail {
  constructor(max = TAIL_LINES) {
    this.max = max;
    this.lines = [];
    this.partial = '';
  }
  push(chunk) {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop();
    for (const l of parts) {
      this.lines.push(l);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  text() {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-this.max).join('\n');
  }
}

function tailOfFile(file, n = TAIL_LINES) {
  try {
    const st = fs.statSync(file);
    const len = Math.min(st.size, 64 * 1024);
    const fd = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, st.size - len);
      return buf.toString('utf8').split('\n').slice(-n).join('\n');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

function indent(text) {
  return text
    .split('\n')
    .map((l) => '    | ' + l)
    .join('\n');
}

export function pidAlive(pid) {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    return e.code === 'EPERM';
  }
  // a zombie is not alive for our purposes
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return true;
}

function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// readiness probes: each resolves true/false, never throws

function probe(port, request, isDone, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const chunks = [];
    let settled = false;
    const sock = net.connect({ host: HOST, port });
    const finish = (ok) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.once('connect', () => sock.write(request));
    sock.on('data', (d) => {
      chunks.push(d);
      const r = isDone(Buffer.concat(chunks), false);
      if (r !== undefined) finish(r);
    });
    sock.once('end', () => finish(isDone(Buffer.concat(chunks), true) === true));
    sock.once('error', () => finish(false));
    sock.once('close', () => finish(isDone(Buffer.concat(chunks), true) === true));
  });
}

/** ZooKeeper four-letter word `ruok` → `imok`. */
export function probeZookeeper(port) {
  return probe(port, 'ruok', (buf, ended) => {
    const s = buf.toString();
    if (s === 'imok') return true;
    return ended ? false : undefined;
  });
}

/** Redis `PING` → `+PONG` (a loading server answers -LOADING: not ready). */
export function probeRedis(port) {
  return probe(port, 'PING\r\n', (buf) => {
    const s = buf.toString();
    if (!s.includes('\r\n')) return undefined;
    return s.startsWith('+PONG');
  });
}

function bsonIsMaster() {
  const parts = [];
  // int32 isMaster: 1
  parts.push(Buffer.from([0x10]), Buffer.from('isMaster\0'), int32(1));
  // string $db: "admin"
  const db = Buffer.from('admin\0');
  parts.push(Buffer.from([0x02]), Buffer.from('$db\0'), int32(db.length), db);
  parts.push(Buffer.from([0x00]));
  const body = Buffer.concat(parts);
  return Buffer.concat([int32(body.length + 4), body]);
}

function int32(n) {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

/** MongoDB OP_MSG {isMaster: 1} → reply with ok: 1. */
export function probeMongo(port) {
  const doc = bsonIsMaster();
  const header = Buffer.alloc(16);
  const flagsAndKind = Buffer.from([0, 0, 0, 0, 0]); // flagBits 0, section kind 0
  header.writeInt32LE(16 + flagsAndKind.length + doc.length, 0);
  header.writeInt32LE(1, 4); // requestID
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(2013, 12); // OP_MSG
  const msg = Buffer.concat([header, flagsAndKind, doc]);
  return probe(port, msg, (buf, ended) => {
    if (buf.length < 4) return ended ? false : undefined;
    const len = buf.readInt32LE(0);
    if (buf.length < len) return ended ? false : undefined;
    if (buf.readInt32LE(12) !== 2013) return false;
    // find the top-level "ok" element (double 0x01 or int32 0x10)
    const body = buf.subarray(21, len);
    const dbl = body.indexOf(Buffer.from('\x01ok\0', 'latin1'));
    if (dbl >= 0) return body.readDoubleLE(dbl + 4) === 1;
    const i32 = body.indexOf(Buffer.from('\x10ok\0', 'latin1'));
    if (i32 >= 0) return body.readInt32LE(i32 + 4) === 1;
    return false;
  });
}

const PROBES = { zookeeper: probeZookeeper, redis: probeRedis, mongo: probeMongo };

// ---------------------------------------------------------------------------
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

function toWatchdog(line) {
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

const watch = (pid) => toWatchdog(`add ${pid}`);

function unwatch(pid) {
  owned.delete(pid);
  if (watchdog) toWatchdog(`del ${pid}`);
}

// ---------------------------------------------------------------------------
// generic launcher

/**
 * Spawn a service and wait until `probe(port)` succeeds.
 * opts: { name, cmd, args, cwd, env, port, url, logFile, detached, timeoutMs, pidFile, removeDir }
 */
async function launch(opts) {
  const { name, cmd, args, port, url } = opts;
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

  if (await PROBES[name](port)) {
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
      owned.set(child.pid, child);
      watch(child.pid);
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
    if (await PROBES[name](port)) break;
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

// ---------------------------------------------------------------------------
// the three services

function javaBin() {
  return process.env.JAVA || (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
}

// C1 only: ~100-150 ms faster JVM start, slower peak speed. Used for short-lived
// (test) services, not for the detached long-running local cluster.
function fastStartJvm(opts) {
  return (opts.fastStart ?? !opts.detached) ? ['-XX:TieredStopAtLevel=1'] : [];
}

function splitOpts(s) {
  return (s || '').split(/\s+/).filter(Boolean);
}

/**
 * ZooKeeper 3.8 standalone (Debian package `zookeeper`).
 * opts: { port, dataDir, persist = true (fsync), logFile, detached, timeoutMs }
 * → { url: '127.0.0.1:PORT', pid, stop() }
 */
export async function startZookeeper(opts = {}) {
  const classpath = process.env.ZOOKEEPER_CLASSPATH || ZK_JARS.join(':');
  if (!process.env.ZOOKEEPER_CLASSPATH) {
    for (const jar of ZK_JARS) {
      if (!fs.existsSync(jar)) {
        throw new Error(`zookeeper: ${jar} is missing (Debian packages zookeeper/libslf4j-java); run: bash scripts/install.sh`);
      }
    }
  }
  const port = opts.port ?? (await freePort());
  const dataDir = path.resolve(opts.dataDir ?? tmpDir('zk-'));
  const removeDir = !opts.dataDir;
  fs.mkdirSync(dataDir, { recursive: true });
  const persist = opts.persist ?? true;
  const cfgFile = path.join(dataDir, 'zoo.cfg');
  fs.writeFileSync(
    cfgFile,
    [
      '# written by scripts/services.mjs',
      'tickTime=500',
      'initLimit=10',
      'syncLimit=5',
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      `clientPortAddress=${HOST}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,mntr',
      'minSessionTimeout=1000',
      'maxSessionTimeout=60000',
      // default is 60 connections per client IP: everything here is 127.0.0.1
      'maxClientCnxns=0',
      'autopurge.snapRetainCount=3',
      'autopurge.purgeInterval=1',
      '',
    ].join('\n'),
  );
  const args = [
    '-Xms32m',
    '-Xmx256m',
    '-XX:+UseSerialGC',
    ...fastStartJvm(opts),
    '-Djava.net.preferIPv4Stack=true',
    `-Dorg.slf4j.simpleLogger.defaultLogLevel=${process.env.ZKCHAT_ZK_LOG || 'warn'}`,
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    '-Dzookeeper.jmx.log4j.disable=true',
    ...(persist ? [] : ['-Dzookeeper.forceSync=no']),
    ...splitOpts(process.env.ZKCHAT_ZK_JAVA_OPTS),
    '-cp',
    classpath,
    'org.apache.zookeeper.server.ZooKeeperServerMain',
    cfgFile,
  ];
  return launch({
    name: 'zookeeper',
    cmd: javaBin(),
    args,
    cwd: dataDir,
    port,
    url: `${HOST}:${port}`,
    logFile: opts.logFile,
    detached: opts.detached,
    pidFile: opts.pidFile,
    timeoutMs: opts.timeoutMs,
    removeDir: removeDir ? dataDir : null,
  });
}

/**
 * Redis 7 (Debian package `redis-server`).
 * opts: { port, dataDir, persist = false (true: appendonly + RDB snapshots), logFile, detached, timeoutMs }
 * → { url: 'redis://127.0.0.1:PORT', pid, stop() }
 */
export async function startRedis(opts = {}) {
  const port = opts.port ?? (await freePort());
  const dataDir = path.resolve(opts.dataDir ?? tmpDir('redis-'));
  const removeDir = !opts.dataDir;
  fs.mkdirSync(dataDir, { recursive: true });
  const args = [
    '--port', String(port),
    '--bind', HOST,
    '--dir', dataDir,
    '--daemonize', 'no',
    '--logfile', '',
  ];
  if (opts.persist) {
    args.push('--appendonly', 'yes', '--appendfsync', 'everysec');
  } else {
    args.push('--save', '', '--appendonly', 'no');
  }
  return launch({
    name: 'redis',
    cmd: process.env.REDIS_SERVER || 'redis-server',
    args,
    cwd: dataDir,
    port,
    url: `redis://${HOST}:${port}`,
    logFile: opts.logFile,
    detached: opts.detached,
    pidFile: opts.pidFile,
    timeoutMs: opts.timeoutMs,
    removeDir: removeDir ? dataDir : null,
  });
}

/** Classpath of the Mongo launcher built by scripts/install.sh. */
export function mongoClasspath() {
  const cls = path.join(MONGO_CLASSES, 'ZkchatMongo.class');
  if (!fs.existsSync(cls) || !fs.existsSync(MONGO_CLASSPATH_FILE)) {
    throw new Error(`mongo: launcher not built (${path.relative(ROOT, cls)} missing); run: bash scripts/install.sh`);
  }
  const deps = fs.readFileSync(MONGO_CLASSPATH_FILE, 'utf8').trim();
  const missing = deps.split(':').filter((j) => j && !fs.existsSync(j));
  if (missing.length) {
    throw new Error(`mongo: jars missing from the Maven cache (${missing[0]} ...); run: bash scripts/install.sh`);
  }
  return `${MONGO_CLASSES}:${deps}`;
}

/**
 * MongoDB-compatible server: mongo-java-server + H2 file backend, reporting
 * MongoDB 4.4 / wire version 9 (see scripts/mongo/ZkchatMongo.java).
 * opts: { port, dataDir, logFile, detached, timeoutMs } — data in DATADIR/zkchat.mv
 * → { url: 'mongodb://127.0.0.1:PORT', pid, stop() }
 */
export async function startMongo(opts = {}) {
  const classpath = mongoClasspath();
  const port = opts.port ?? (await freePort());
  const dataDir = path.resolve(opts.dataDir ?? tmpDir('mongo-'));
  const removeDir = !opts.dataDir;
  fs.mkdirSync(dataDir, { recursive: true });
  const args = [
    '-Xms32m',
    '-Xmx512m',
    '-XX:+UseSerialGC',
    ...fastStartJvm(opts),
    '-Djava.net.preferIPv4Stack=true',
    ...splitOpts(process.env.ZKCHAT_MONGO_JAVA_OPTS),
    '-cp',
    classpath,
    'ZkchatMongo',
    String(port),
    path.join(dataDir, 'zkchat.mv'),
    HOST,
  ];
  return launch({
    name: 'mongo',
    cmd: javaBin(),
    args,
    cwd: dataDir,
    port,
    url: `mongodb://${HOST}:${port}`,
    logFile: opts.logFile,
    detached: opts.detached,
    pidFile: opts.pidFile,
    timeoutMs: opts.timeoutMs,
    removeDir: removeDir ? dataDir : null,
  });
}

const STARTERS = { zookeeper: startZookeeper, redis: startRedis, mongo: startMongo };
const ENV_NAME = { zookeeper: 'ZK_CONNECT', redis: 'REDIS_URL', mongo: 'MONGO_URL' };

/** Start on a free port, retrying on another port if the process dies early (port race). */
async function startOnFreePort(name, opts) {
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await STARTERS[name]({ ...opts, port: await freePort() });
    } catch (e) {
      lastErr = e;
      if (!/exited|already answers/.test(String(e.message))) throw e;
    }
  }
  throw lastErr;
}

let dirCounter = 0;

/**
 * Start all three on free ports, in parallel.
 * opts: { baseDir (default: a fresh .data/test-PID-N), persist = false,
 *         removeDir (default: true when baseDir is not given) — stop() deletes baseDir,
 *         only: ['zookeeper','redis','mongo'], timeoutMs }
 * → { env: { ZK_CONNECT, REDIS_URL, MONGO_URL }, services, baseDir, stop() }
 */
export async function startAll(opts = {}) {
  const removeDir = opts.removeDir ?? !opts.baseDir;
  const baseDir = path.resolve(opts.baseDir ?? path.join(ROOT, '.data', `test-${process.pid}-${++dirCounter}`));
  fs.mkdirSync(baseDir, { recursive: true });
  const persist = !!opts.persist;
  const names = opts.only ?? ['zookeeper', 'redis', 'mongo'];
  // if this process dies without calling stop(), the watchdog removes the dir too
  if (removeDir) toWatchdog(`rmdir ${baseDir}`);

  const results = await Promise.allSettled(
    names.map((name) => startOnFreePort(name, { dataDir: path.join(baseDir, name), persist, timeoutMs: opts.timeoutMs })),
  );
  const services = {};
  const errors = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') services[names[i]] = r.value;
    else errors.push(r.reason);
  });

  const stop = async () => {
    await Promise.all(Object.values(services).map((s) => s.stop()));
    if (removeDir) {
      fs.rmSync(baseDir, { recursive: true, force: true });
      toWatchdog(`keepdir ${baseDir}`);
    }
  };

  if (errors.length) {
    await stop();
    const err = new Error(errors.map((e) => e.message).join('\n'));
    err.causes = errors;
    throw err;
  }
  const env = {};
  for (const name of names) env[ENV_NAME[name]] = services[name].url;
  return { env, services, baseDir, stop };
}

// ---------------------------------------------------------------------------
// CLI

const MARKER = { zookeeper: 'ZooKeeperServerMain', redis: 'redis-server', mongo: 'ZkchatMongo' };
const DEFAULT_PORT = { zookeeper: 2181, redis: 6379, mongo: 27017 };
const PORT_ENV = { zookeeper: 'ZK_PORT', redis: 'REDIS_PORT', mongo: 'MONGO_PORT' };
const PORT_FLAG = { zookeeper: 'zk', redis: 'redis', mongo: 'mongo' };
const ALL = ['zookeeper', 'redis', 'mongo'];

function parseArgs(argv) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else rest.push(a);
  }
  return { flags, rest };
}

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

async function cliStart(dir, flags) {
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

async function cliStop(dir) {
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

async function cliStatus(dir, flags) {
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

async function cliRun(command) {
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

function usage() {
  return `usage:
  node scripts/services.mjs start  [--dir DIR] [--zk PORT] [--redis PORT] [--mongo PORT] [--timeout SECONDS]
  node scripts/services.mjs stop   [--dir DIR]
  node scripts/services.mjs status [--dir DIR]
  node scripts/services.mjs run -- COMMAND [ARGS...]

  DIR defaults to .data/local; ports default to 2181 / 6379 / 27017 (env ZK_PORT, REDIS_PORT, MONGO_PORT).
  start prints ZK_CONNECT=..., REDIS_URL=..., MONGO_URL=... on stdout.
  run starts all three on free ports under .data/test-PID, runs COMMAND with those
  variables set, then stops them and removes the directory; if ZK_CONNECT, REDIS_URL
  and MONGO_URL are already all set, it only runs COMMAND.
`;
}

async function main(argv) {
  const [cmd, ...tail] = argv;
  if (cmd === 'run') {
    const dd = tail.indexOf('--');
    return cliRun(dd >= 0 ? tail.slice(dd + 1) : tail);
  }
  const { flags } = parseArgs(tail);
  const dir = path.resolve(typeof flags.dir === 'string' ? flags.dir : path.join(ROOT, '.data', 'local'));
  switch (cmd) {
    case 'start':
      return cliStart(dir, flags);
    case 'stop':
      return cliStop(dir);
    case 'status':
      return cliStatus(dir, flags);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage());
      return 0;
    default:
      process.stderr.write(usage());
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exit(1);
    },
  );
}
