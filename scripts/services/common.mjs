// Shared helpers for the service scripts: paths, timeouts, free ports, output tails, pids, probes.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const HOST = '127.0.0.1';
export const DEFAULT_TIMEOUT_MS = 30_000;
export const STOP_GRACE_MS = 5_000;
const TAIL_LINES = 40;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function tmpDir(prefix) {
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
export class Tail {
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

export function tailOfFile(file, n = TAIL_LINES) {
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

export function indent(text) {
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

export function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// readiness probes: each resolves true/false, never throws. This is the
// generic one; zookeeper.mjs, redis.mjs and mongo.mjs build theirs on it.

export function probe(port, request, isDone, timeoutMs = 1000) {
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

