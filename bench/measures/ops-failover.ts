/**
 * failover: three chat nodes and a gateway; N users in pairs, every pair across two nodes (user 2k
 * on node k mod 3, its partner on the next), each sending to its partner at most
 * BENCH_FAILOVER_RATE messages a second with one outstanding. After BENCH_FAILOVER_BEFORE_SECONDS,
 * `kill -9` of the leader. Users on it come back through the gateway with their resume token and
 * resend their unacked message with the same clientMsgId; every user receives through the terminal
 * client's InboxSync (dedup by seq, sync by cursor). The load goes on until
 * BENCH_FAILOVER_AFTER_SECONDS after every user received again (at most BENCH_FAILOVER_MAX_SECONDS after
 * the kill), then every user syncs to its inbox's head. Reported: the outage (latest delivery
 * before the kill to the first delivery of a message sent after it; a client also fetches by sync
 * what its own message's seq shows it missed, so this is what users notice), the live outage (to
 * the first such message delivered live: relaying through a new leader), the time until every user
 * received again, acked messages never delivered (must be 0), and duplicates before the client's
 * dedup (frames of a message id received already) and after it (must be 0).
 * BENCH_FAILOVER_USERS (300, even).
 */
import { nowMs } from '../ipc.js';
import { int, SettingsError, USERS_PER_GENERATOR } from '../settings.js';
import { anyDies } from '../servers.js';
import type { Measure, MeasureContext, MeasureReport } from './measure.js';
import { CLUSTER_NODES, withCluster } from './ops-cluster.js';
import { OpsFleet, opsUsers, round, sleep, split, storeUsers } from './ops-harness.js';
import type { FailoverResult } from './ops-protocol.js';
import { mergeTallies } from './ops-tally.js';

/** Set-up logins at once (cheap hashes). */
const SETUP_CONCURRENCY = 100;
/** Lead time so that every generator starts together. */
const START_LEAD_MS = 500;
/** After the load: resends of unacked messages and the final syncs. */
const DRAIN_MS = 30_000;

/** The generators' results added up; times: the latest before the kill, the earliest and latest recovery. */
function merge(parts: readonly FailoverResult[]): FailoverResult {
  const sum = (key: keyof FailoverResult) => parts.reduce((n, p) => n + (p[key] as number), 0);
  const recovered = parts.map((p) => p.allRecoveredAt);
  const earliest = (times: (number | null)[]) => {
    const known = times.filter((t): t is number => t !== null);
    return known.length > 0 ? Math.min(...known) : null;
  };
  const lasts = parts.map((p) => p.lastBeforeKillAt).filter((t): t is number => t !== null);
  return {
    sent: sum('sent'),
    acked: sum('acked'),
    unacked: sum('unacked'),
    delivered: sum('delivered'),
    deliveredBySync: sum('deliveredBySync'),
    lost: sum('lost'),
    duplicatesRaw: sum('duplicatesRaw'),
    duplicatesAfterDedup: sum('duplicatesAfterDedup'),
    lastBeforeKillAt: lasts.length > 0 ? Math.max(...lasts) : null,
    firstAfterKillAt: earliest(parts.map((p) => p.firstAfterKillAt)),
    firstLiveAfterKillAt: earliest(parts.map((p) => p.firstLiveAfterKillAt)),
    notReceivingAgain: sum('notReceivingAgain'),
    allRecoveredAt: recovered.every((r) => r !== null) ? Math.max(...(recovered as number[])) : null,
    errors: sum('errors'),
    syncFailures: sum('syncFailures'),
    gaps: sum('gaps'),
    reconnects: mergeTallies(parts.map((p) => p.reconnects)),
  };
}

function failoverSettings() {
  const count = int('BENCH_FAILOVER_USERS', 300, 2, 19_900);
  if (count % 2 !== 0) throw new SettingsError(`BENCH_FAILOVER_USERS must be even (users are paired), got ${count}`);
  return {
    count,
    ratePerUser: int('BENCH_FAILOVER_RATE', 5, 1, 1000),
    beforeMs: 1000 * int('BENCH_FAILOVER_BEFORE_SECONDS', 5, 1, 600),
    afterMs: 1000 * int('BENCH_FAILOVER_AFTER_SECONDS', 5, 1, 600),
    maxMs: 1000 * int('BENCH_FAILOVER_MAX_SECONDS', 60, 1, 3600),
  };
}

async function run(context: MeasureContext): Promise<MeasureReport> {
  const { count, ratePerUser, beforeMs, afterMs, maxMs } = failoverSettings();
  const users = opsUsers(context.settings, 'fo', count, () => '');
  await storeUsers(context, users);
  return withCluster(context, 'failover', async (nodes, gateway) => {
    const leader = nodes[0]!;
    const survivors = [...nodes.slice(1), gateway];
    // Pair k: user 2k on node k mod 3, user 2k+1 on the next node.
    const placed = users.map((u) => ({ ...u, url: nodes[(Math.floor(u.index / 2) + (u.index % 2)) % CLUSTER_NODES]!.url }));
    const fleet = new OpsFleet(Math.ceil(count / USERS_PER_GENERATOR), context.settings, 'failover');
    try {
      const parts = split(placed, fleet.size, 2);
      await Promise.race([
        anyDies([...nodes, gateway]),
        fleet.ask('connect', (g) => ({ kind: 'connect', users: parts[g]!, auth: 'login', concurrency: SETUP_CONCURRENCY, gateway: gateway.url }), 60_000 + 20 * count),
      ]);
      const startAt = nowMs() + START_LEAD_MS;
      const killAt = startAt + beforeMs;
      const plan = { startAt, killAt, afterMs, endBy: killAt + maxMs, ratePerUser, drainMs: DRAIN_MS };
      const results = fleet.ask('failover', () => ({ kind: 'failover', plan }), START_LEAD_MS + beforeMs + maxMs + DRAIN_MS + 60_000);
      await Promise.race([anyDies([...nodes, gateway]), sleep(killAt - nowMs())]);
      leader.process.child.kill('SIGKILL');
      const r = merge((await Promise.race([anyDies(survivors), results])).map((reply) => reply.result));
      const outage = r.firstAfterKillAt !== null && r.lastBeforeKillAt !== null ? (r.firstAfterKillAt - r.lastBeforeKillAt) / 1000 : null;
      const liveOutage = r.firstLiveAfterKillAt !== null && r.lastBeforeKillAt !== null ? (r.firstLiveAfterKillAt - r.lastBeforeKillAt) / 1000 : null;
      const allRecovered = r.allRecoveredAt === null ? null : (r.allRecoveredAt - killAt) / 1000;
      const text = (v: number | null, digits = 2) => (v === null ? 'never' : v.toFixed(digits));
      return {
        counts: { sent: r.sent, acked: r.acked, delivered: r.delivered, lost: r.lost, duplicated: r.duplicatesAfterDedup },
        figures: {
          users: count,
          rate_per_user: ratePerUser,
          outage_s: outage === null ? null : round(outage, 2),
          live_outage_s: liveOutage === null ? null : round(liveOutage, 2),
          all_receiving_again_s: allRecovered === null ? null : round(allRecovered, 2),
          not_receiving_again: r.notReceivingAgain,
          unacked: r.unacked,
          delivered_by_sync: r.deliveredBySync,
          duplicates_before_dedup: r.duplicatesRaw,
          duplicates_after_dedup: r.duplicatesAfterDedup,
          errors: r.errors,
          sync_failures: r.syncFailures,
          gaps: r.gaps,
          dropped: r.reconnects.dropped,
          resumed: r.reconnects.resumed,
          password_logins: r.reconnects.passwordLogins,
          failed_reconnects: Object.entries(r.reconnects.failures).map(([step, n]) => `${step}: ${n}`).join(', ') || null,
        },
        rows: [{
          killed: `${leader.name} (leader)`,
          users: String(count),
          sent: String(r.sent),
          acked: String(r.acked),
          delivered: String(r.delivered),
          lost: String(r.lost),
          'dup before dedup': String(r.duplicatesRaw),
          'dup after': String(r.duplicatesAfterDedup),
          'outage s': text(outage),
          'live outage s': text(liveOutage),
          'all receive s': text(allRecovered),
          'by sync': String(r.deliveredBySync),
          'reconnected (resumed)': `${r.reconnects.back} (${r.reconnects.resumed})`,
        }],
      };
    } finally {
      await fleet.close();
    }
  });
}

export const failover: Measure = {
  name: 'failover',
  checkSettings: failoverSettings,
  description: 'pairs across 3 nodes under load, kill -9 the leader: outage, acked messages never delivered, duplicates before and after dedup',
  run,
};
