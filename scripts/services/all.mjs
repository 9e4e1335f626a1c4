// All three services together: name → starter/probe/env var, and startAll on free ports.

import fs from 'node:fs';
import path from 'node:path';

import { ROOT, freePort } from './common.mjs';
import { probeMongo, startMongo } from './mongo.mjs';
import { probeRedis, startRedis } from './redis.mjs';
import { toWatchdog } from './watchdog.mjs';
import { probeZookeeper, startZookeeper } from './zookeeper.mjs';

export const ALL = ['zookeeper', 'redis', 'mongo'];
export const STARTERS = { zookeeper: startZookeeper, redis: startRedis, mongo: startMongo };
export const ENV_NAME = { zookeeper: 'ZK_CONNECT', redis: 'REDIS_URL', mongo: 'MONGO_URL' };
export const PROBES = { zookeeper: probeZookeeper, redis: probeRedis, mongo: probeMongo };

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
