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
//
// The code lives in scripts/services/, one module per job: common.mjs (ports,
// pids, probes), watchdog.mjs, launch.mjs, java.mjs, zookeeper.mjs, redis.mjs,
// mongo.mjs, all.mjs (startAll), local.mjs (start/stop/status), run.mjs, cli.mjs.
// This file is the entry point and re-exports the library.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { main } from './services/cli.mjs';

export { ROOT, freePort, pidAlive } from './services/common.mjs';
export { probeZookeeper, startZookeeper } from './services/zookeeper.mjs';
export { probeRedis, startRedis } from './services/redis.mjs';
export { mongoClasspath, probeMongo, startMongo } from './services/mongo.mjs';
export { startAll } from './services/all.mjs';

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err.stack || err}\n`);
      process.exit(1);
    },
  );
}
