/**
 * idle-memory: what an idle connection costs a server's memory. N plain connections to the raw
 * relay (the bare `ws` reference), then N idle logged-in connections to one chat node, each server
 * in its own process: RSS (VmRSS) after a settle, minus RSS before, per connection. The node
 * exposes no GC trigger, so the settle is what lets its heap shrink back after the ramp.
 * BENCH_IDLE_CONNECTIONS (19,000, the "one node holds 19k": the login ramp leaves a few tens
 * of MiB of allocator and heap slack behind, which inflates the per-connection figure of smaller
 * runs, e.g. about 20 KiB at 5,000; a node's fd limit is 20,000, so at most 19,900),
 * BENCH_IDLE_SETTLE_SECONDS (5).
 */
import { int } from '../settings.js';
import { anyDies, startRawRelay, stopServers, type Server } from '../servers.js';
import { NO_MESSAGES, type Measure, type MeasureContext, type MeasureReport } from './measure.js';
import { CONNECTIONS_PER_GENERATOR, OpsFleet, opsUsers, round, rssKiB, rssPeak, sleep, split } from './ops-harness.js';
import { withOneNode } from './ops-rates.js';
import type { OpsAuth, OpsUser } from './ops-protocol.js';

/** The target for an idle logged-in connection. */
const TARGET_KIB = 12;
/** Connections opened at once per generator. */
const CONNECT_CONCURRENCY = 50;

interface Footprint {
  connections: number;
  beforeKiB: number;
  afterKiB: number;
  peakKiB: number;
  kibPerConnection: number;
}

/** Opens `users` on `server` (plain or logged in), waits the settle, and reads the server's RSS around it. */
async function footprint(server: Server, users: readonly OpsUser[], auth: OpsAuth, context: MeasureContext, settleMs: number, died: Promise<never>): Promise<Footprint> {
  const pid = server.process.child.pid;
  const fleet = new OpsFleet(Math.ceil(users.length / CONNECTIONS_PER_GENERATOR), context.settings, `idle-${server.name}`);
  try {
    await Promise.race([died, sleep(settleMs)]);
    const beforeKiB = rssKiB(pid);
    const peak = rssPeak(pid);
    const parts = split(users, fleet.size);
    const replies = await Promise.race([
      died,
      fleet.ask('connect', (g) => ({ kind: 'connect', users: parts[g]!, auth, concurrency: CONNECT_CONCURRENCY, gateway: null }), 60_000 + 20 * users.length),
    ]);
    const held = replies.reduce((n, r) => n + (auth === 'login' ? r.loggedIn : r.opened), 0);
    if (held !== users.length) throw new Error(`${server.name}: ${held} of ${users.length} connections ready`);
    await Promise.race([died, sleep(settleMs)]);
    const afterKiB = rssKiB(pid);
    const peakKiB = Math.max(peak.stop() ?? 0, afterKiB ?? 0);
    if (beforeKiB === null || afterKiB === null) throw new Error(`cannot read the RSS of ${server.name} (pid ${String(pid)}) from /proc`);
    return { connections: users.length, beforeKiB, afterKiB, peakKiB, kibPerConnection: (afterKiB - beforeKiB) / users.length };
  } finally {
    await fleet.close();
  }
}

function row(server: string, f: Footprint, ratio: number | null): Record<string, string> {
  const mib = (kib: number) => (kib / 1024).toFixed(1);
  return {
    server,
    connections: String(f.connections),
    'rss before MiB': mib(f.beforeKiB),
    'rss after MiB': mib(f.afterKiB),
    'peak MiB': mib(f.peakKiB),
    'KiB/conn': f.kibPerConnection.toFixed(1),
    'x raw': ratio === null ? '-' : ratio.toFixed(2),
  };
}

function idleSettings() {
  return { count: int('BENCH_IDLE_CONNECTIONS', 19_000, 1, 19_900), settleMs: 1000 * int('BENCH_IDLE_SETTLE_SECONDS', 5, 0, 600) };
}

async function run(context: MeasureContext): Promise<MeasureReport> {
  const { settings } = context;
  const { count, settleMs } = idleSettings();

  const raw = await startRawRelay('pairs');
  let rawFootprint: Footprint;
  try {
    rawFootprint = await footprint(raw, opsUsers(settings, 'idleraw', count, () => raw.url), 'none', context, settleMs, anyDies([raw]));
  } finally {
    await stopServers([raw]);
  }

  const nodeFootprint = await withOneNode(context, 'idle', count, (node, users, died) => footprint(node, users, 'login', context, settleMs, died));

  const ratio = rawFootprint.kibPerConnection > 0 ? nodeFootprint.kibPerConnection / rawFootprint.kibPerConnection : null;
  return {
    counts: NO_MESSAGES,
    figures: {
      connections: count,
      settle_s: settleMs / 1000,
      raw_kib_per_conn: round(rawFootprint.kibPerConnection),
      node_kib_per_conn: round(nodeFootprint.kibPerConnection),
      ratio_to_raw: ratio === null ? null : round(ratio, 2),
      node_rss_before_mib: round(nodeFootprint.beforeKiB / 1024),
      node_rss_after_mib: round(nodeFootprint.afterKiB / 1024),
      node_rss_peak_mib: round(nodeFootprint.peakKiB / 1024),
      target_kib_per_conn: TARGET_KIB,
      meets_target: nodeFootprint.kibPerConnection <= TARGET_KIB,
    },
    rows: [row('raw relay (plain)', rawFootprint, null), row('chat node (logged in)', nodeFootprint, ratio)],
  };
}

export const idleMemory: Measure = {
  name: 'idle-memory',
  checkSettings: idleSettings,
  description: 'RSS per idle connection: plain connections to the raw relay, then logged-in ones to one chat node',
  run,
};
