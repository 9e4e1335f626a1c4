// MongoDB-compatible server (mongo-java-server launcher): its readiness probe, classpath and start function.

import fs from 'node:fs';
import path from 'node:path';

import { HOST, ROOT, freePort, probe, tmpDir } from './common.mjs';
import { fastStartJvm, javaBin, splitOpts } from './java.mjs';
import { launch } from './launch.mjs';

const MONGO_CACHE = path.join(ROOT, '.cache', 'mongo');
const MONGO_CLASSES = path.join(MONGO_CACHE, 'classes');
const MONGO_CLASSPATH_FILE = path.join(MONGO_CACHE, 'classpath.txt');

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
  // ZKCHAT_MONGO_NICE (e.g. 19) or ZKCHAT_MONGO_SCHED=idle (used by the benchmark): run it at a lower
  // CPU priority, so that on a shared core the archive only takes time the chat path leaves (in
  // production it has its own machines). Nice 19 still gives each of the JVM's many threads a share;
  // SCHED_IDLE (chrt --idle) runs them only when nothing else wants the core.
  const nice = process.env.ZKCHAT_MONGO_NICE;
  const idle = process.env.ZKCHAT_MONGO_SCHED === 'idle';
  const [cmd, prefix] = idle ? ['chrt', ['--idle', '0', javaBin()]] : nice ? ['nice', ['-n', nice, javaBin()]] : [javaBin(), []];
  return launch({
    name: 'mongo',
    cmd,
    args: [...prefix, ...args],
    cwd: dataDir,
    port,
    url: `mongodb://${HOST}:${port}`,
    probe: probeMongo,
    logFile: opts.logFile,
    detached: opts.detached,
    pidFile: opts.pidFile,
    timeoutMs: opts.timeoutMs,
    removeDir: removeDir ? dataDir : null,
  });
}
