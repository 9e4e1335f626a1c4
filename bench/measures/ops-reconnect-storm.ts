/**
 * reconnect-storm: three chat nodes and a gateway; N users logged in on node-2 (a follower, so the
 * cluster itself stays up); `kill -9` of node-2; every user comes back the terminal client's way
 * (its backoff, the gateway names a live node, `resume` with the token of its login, the password
 * only if the token is refused). Reported: the time from the kill until all N are logged in on the
 * other nodes, and how they came back. No raw reference: the raw relay has no cluster to fail over
 * to. BENCH_STORM_USERS (2000), BENCH_STORM_TIMEOUT_SECONDS (120).
 */
import { nowMs } from '../ipc.js';
import { int } from '../settings.js';
import { anyDies } from '../servers.js';
import { NO_MESSAGES, type Measure, type MeasureContext, type MeasureReport } from './measure.js';
import { withCluster } from './ops-cluster.js';
import { opsUsers, round, split, storeUsers } from './ops-harness.js';
import { fleetFor } from './ops-rates.js';
import { mergeTallies } from './ops-tally.js';

/** The node killed: a follower (index 0 leads). */
const VICTIM = 1;
/** Set-up logins at once (cheap hashes). */
const SETUP_CONCURRENCY = 100;

function stormSettings() {
  return { count: int('BENCH_STORM_USERS', 2000, 1, 19_900), timeoutMs: 1000 * int('BENCH_STORM_TIMEOUT_SECONDS', 120, 1, 3600) };
}

async function run(context: MeasureContext): Promise<MeasureReport> {
  const { count, timeoutMs } = stormSettings();
  const users = opsUsers(context.settings, 'storm', count, () => '');
  await storeUsers(context, users);
  return withCluster(context, 'storm', async (nodes, gateway) => {
    const victim = nodes[VICTIM]!;
    const survivors = [...nodes.filter((n) => n !== victim), gateway];
    const fleet = fleetFor(count, context, 'storm');
    try {
      const onVictim = users.map((u) => ({ ...u, url: victim.url }));
      const parts = split(onVictim, fleet.size);
      const setup = await Promise.race([
        anyDies([...nodes, gateway]),
        fleet.ask('connect', (g) => ({ kind: 'connect', users: parts[g]!, auth: 'login', concurrency: SETUP_CONCURRENCY, gateway: gateway.url }), 60_000 + 20 * count),
      ]);
      const loggedIn = setup.reduce((n, r) => n + r.loggedIn, 0);
      if (loggedIn !== count) throw new Error(`${loggedIn} of ${count} users logged in on ${victim.name}`);

      const killAt = nowMs();
      victim.process.child.kill('SIGKILL');
      const replies = await Promise.race([anyDies(survivors), fleet.ask('back', () => ({ kind: 'back', timeoutMs }), timeoutMs + 30_000)]);
      const tally = mergeTallies(replies.map((r) => r.tally));
      const complete = replies.every((r) => r.complete);
      const backSeconds = tally.lastBackAt === null ? null : (tally.lastBackAt - killAt) / 1000;
      const noticedMs = tally.firstDropAt === null ? null : tally.firstDropAt - killAt;
      const failed = Object.entries(tally.failures).map(([step, n]) => `${step}: ${n}`).join(', ');
      const where = Object.entries(tally.nodes).map(([node, n]) => `${node}: ${n}`).join(', ');
      if (!complete) throw new Error(`${tally.back} of ${count} users back within ${timeoutMs / 1000} s (${tally.resumed} resumed, ${tally.passwordLogins} by password)`);
      return {
        counts: NO_MESSAGES,
        figures: {
          users: count,
          back: tally.back,
          all_back_s: backSeconds === null ? null : round(backSeconds, 2),
          back_per_s: backSeconds ? round(count / backSeconds) : null,
          first_drop_ms: noticedMs === null ? null : round(noticedMs),
          resumed: tally.resumed,
          password_logins: tally.passwordLogins,
          reconnect_attempts: tally.attempts,
          failed_attempts: failed || null,
          landed: where,
        },
        rows: [{
          killed: victim.name,
          users: String(count),
          back: String(tally.back),
          'all back s': backSeconds === null ? '-' : backSeconds.toFixed(2),
          'per s': backSeconds ? (count / backSeconds).toFixed(0) : '-',
          resumed: String(tally.resumed),
          'by password': String(tally.passwordLogins),
          attempts: String(tally.attempts),
          'failed at': failed || '-',
          landed: where,
        }],
      };
    } finally {
      await fleet.close();
    }
  });
}

export const reconnectStorm: Measure = {
  name: 'reconnect-storm',
  checkSettings: stormSettings,
  description: 'kill -9 a follower holding N users; time until all N are logged in again on the others (gateway + resume token)',
  run,
};
