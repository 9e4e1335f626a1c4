/**
 * Finds the processes of ZooKeeper, Redis and the MongoDB-compatible server (started by
 * scripts/services.mjs, which hands main only their addresses) by the port each listens on, so
 * that cpu-load.ts can show how much of the server core they took. Linux only; best effort.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

function portOf(address: string): number | null {
  const m = /:(\d+)(?:[/?]|$)/.exec(address.split(',')[0]!);
  return m ? Number(m[1]) : null;
}

/** Socket inodes listening on each port, from /proc/net/tcp and tcp6 (state 0A = LISTEN). */
function listeningInodes(ports: ReadonlySet<number>): Map<string, number> {
  const inodes = new Map<string, number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A' || !f[1] || !f[9]) continue;
      const port = parseInt(f[1].split(':')[1] ?? '', 16);
      if (ports.has(port)) inodes.set(`socket:[${f[9]}]`, port);
    }
  }
  return inodes;
}

/** pid of the process listening on each port (ports nobody is found for are left out). */
function pidsListeningOn(ports: ReadonlySet<number>): Map<number, number> {
  const inodes = listeningInodes(ports);
  const found = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || found.size === inodes.size) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const port = inodes.get(target);
      if (port !== undefined && !found.has(port)) found.set(port, Number(entry));
    }
  }
  return found;
}

/** e.g. { zookeeper: 1234, redis: 1240, mongo: 1236 }, from ZK_CONNECT, REDIS_URL, MONGO_URL. */
export function servicePids(addresses: Record<string, string>): Map<string, number> {
  const ports = new Map<string, number>();
  for (const [name, address] of Object.entries(addresses)) {
    const port = portOf(address);
    if (port !== null) ports.set(name, port);
  }
  const pids = new Map<string, number>();
  try {
    const byPort = pidsListeningOn(new Set(ports.values()));
    for (const [name, port] of ports) {
      const pid = byPort.get(port);
      if (pid !== undefined) pids.set(name, pid);
    }
  } catch {
    // no /proc: CPU per service is simply not reported
  }
  return pids;
}
