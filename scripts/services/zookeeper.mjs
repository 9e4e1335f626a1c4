// ZooKeeper: its readiness probe and its start function.

import fs from 'node:fs';
import path from 'node:path';

import { HOST, freePort, probe, tmpDir } from './common.mjs';
import { fastStartJvm, javaBin, splitOpts } from './java.mjs';
import { launch } from './launch.mjs';

const ZK_JARS = ['/usr/share/java/zookeeper.jar', '/usr/share/java/slf4j-simple.jar'];

/** ZooKeeper four-letter word `ruok` → `imok`. */
export function probeZookeeper(port) {
  return probe(port, 'ruok', (buf, ended) => {
    const s = buf.toString();
    if (s === 'imok') return true;
    return ended ? false : undefined;
  });
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
    probe: probeZookeeper,
    logFile: opts.logFile,
    detached: opts.detached,
    pidFile: opts.pidFile,
    timeoutMs: opts.timeoutMs,
    removeDir: removeDir ? dataDir : null,
  });
}
