// JVM helpers shared by the Java services (ZooKeeper, Mongo): which java, which flags.

import path from 'node:path';

export function javaBin() {
  return process.env.JAVA || (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
}

// C1 only: ~100-150 ms faster JVM start, slower peak speed. Used for short-lived
// (test) services, not for the detached long-running local cluster.
export function fastStartJvm(opts) {
  return (opts.fastStart ?? !opts.detached) ? ['-XX:TieredStopAtLevel=1'] : [];
}

export function splitOpts(s) {
  return (s || '').split(/\s+/).filter(Boolean);
}
