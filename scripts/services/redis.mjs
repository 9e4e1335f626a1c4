// Redis: its readiness probe and its start function.

import fs from 'node:fs';
import path from 'node:path';

import { HOST, freePort, probe, tmpDir } from './common.mjs';
import { launch } from './launch.mjs';

/** Redis `PING` → `+PONG` (a loading server answers -LOADING: not ready). */
export function probeRedis(port) {
  return probe(port, 'PING\r\n', (buf) => {
    const s = buf.toString();
    if (!s.includes('\r\n')) return undefined;
    return s.startsWith('+PONG');
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
    probe: probeRedis,
    logFile: opts.logFile,
    detached: opts.detached,
    pidFile: opts.pidFile,
    timeoutMs: opts.timeoutMs,
    removeDir: removeDir ? dataDir : null,
  });
}
