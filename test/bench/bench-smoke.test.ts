/**
 * Smoke test of `npm run bench`: every scenario and every measure at a tiny size against the test
 * run's services, so the bench cannot rot unnoticed. It checks that each one ran and that its
 * counts add up, not how fast anything was.
 */
import test, { type ExecutionContext } from 'ava';
import { MEASURES } from '../../bench/measures/registry.js';
import { SCENARIO_NAMES } from '../../bench/scenarios.js';
import { benchLines, runBench, tail, type BenchLine } from './bench-process.js';

/**
 * Past this the bench is stopped and the test fails. At tiny size it takes 1.5–4 min on the 2-core
 * machine, depending on what else runs: mostly starting chat nodes (3 for most scenarios) and their set-up.
 */
const BENCH_DEADLINE_MS = 420_000;

/** Tiny sizes: the throughput scenarios' and each measure's (see their settings). */
const TINY_ENV: Record<string, string> = {
  BENCH_USERS: '4',
  BENCH_ROOM_MEMBERS: '4',
  BENCH_ROOM_SENDERS: '1',
  BENCH_SECONDS: '1',
  BENCH_WARMUP_SECONDS: '1',
  // open-loop (bench/open-loop-settings.ts)
  BENCH_OPEN_RATES: '50',
  BENCH_OPEN_SECONDS: '1',
  BENCH_OPEN_WARMUP_SECONDS: '0',
  // push measures (bench/measures/push-settings.ts)
  BENCH_BROADCAST_CONNECTIONS: '4',
  BENCH_BROADCASTS: '2',
  BENCH_PUSH_USERS: '4',
  BENCH_PUSH_CONCURRENCY: '2',
  // operations measures (bench/measures/ops-*.ts)
  BENCH_IDLE_CONNECTIONS: '4',
  BENCH_IDLE_SETTLE_SECONDS: '0',
  BENCH_LOGIN_USERS: '4',
  BENCH_LOGIN_CONCURRENCY: '2',
  BENCH_RESUME_USERS: '4',
  BENCH_RESUME_CONCURRENCY: '2',
  BENCH_STORM_USERS: '4',
  BENCH_FAILOVER_USERS: '4',
  BENCH_FAILOVER_BEFORE_SECONDS: '1',
  BENCH_FAILOVER_AFTER_SECONDS: '1',
};

/** Not scripts/bench.sh: no pinning, and the test run's MongoDB keeps its CPU priority (other tests use it). */
const RUN_ENV: Record<string, string> = {
  BENCH_PIN: '0',
  BENCH_PIN_NOTE: 'smoke test',
  BENCH_MONGO_IDLE: '0',
};

/** Measures that send messages (chats or pushes): each must have sent and delivered some. */
const MEASURES_THAT_SEND = ['broadcast', 'push-user-api', 'push-user-stream', 'failover', 'open-loop'];

/**
 * Measures whose `duplicated` counts frames the client's dedup drops (expected after a kill -9), with
 * the figure of duplicates a user would see instead: that one must be 0.
 */
test('every bench scenario and measure runs at tiny size, with nothing lost or duplicated', async (t) => {
  t.timeout(BENCH_DEADLINE_MS + 30_000);
  // BENCH_SCENARIOS unset: all of them.
  const run = await runBench(t, { ...TINY_ENV, ...RUN_ENV, BENCH_SCENARIOS: undefined }, BENCH_DEADLINE_MS);
  const how = run.timedOut ? `was still running after ${BENCH_DEADLINE_MS / 1000} s` : `exited with ${run.code ?? run.signal}`;
  t.true(!run.timedOut && run.code === 0, `the bench ${how}\n${tail(run)}`);

  const lines = benchLines(run.stdout);
  const expected = [...SCENARIO_NAMES, ...MEASURES.map((m) => m.name)];
  for (const name of MEASURES_THAT_SEND) t.true(expected.includes(name), `MEASURES_THAT_SEND names "${name}", which is not a measure (any more)`);
  t.deepEqual(lines.map((l) => l.scenario).sort(), [...expected].sort(), `one BENCH line per scenario and measure\n${tail(run)}`);

  for (const line of lines) {
    const name = line.scenario;
    t.log(`${name}: ok ${String(line.ok)}, sent ${String(line.sent)}, delivered ${String(line.delivered)}, lost ${String(line.lost)}, duplicated ${String(line.duplicated)}`);
    t.true(line.ok, `${name}: ok is ${String(line.ok)}: ${line.error ?? ''}`);
    if (!line.ok) continue;
    t.is(line.lost, 0, `${name}: lost`);
    // Failover counts what a user would see twice (after the client's dedup); frames seen twice are in its figures.
    t.is(line.duplicated, 0, `${name}: duplicated`);
    t.is(typeof line.sent, 'number', `${name}: sent`);
    t.is(typeof line.delivered, 'number', `${name}: delivered`);
    const sends = (SCENARIO_NAMES as readonly string[]).includes(name) || MEASURES_THAT_SEND.includes(name);
    if (sends) t.true((line.sent as number) > 0, `${name}: sent nothing`);
    if (sends || (line.sent as number) > 0) t.true((line.delivered as number) > 0, `${name}: sent ${String(line.sent)}, delivered none`);
    if (line.traffic === 'pairs') checkWarmupNotCounted(t, line);
  }
});

/**
 * Pairs traffic, one request outstanding per user: in the window each user's sends and acks differ by
 * one at most, and the deliveries counted are exactly the window's acked messages (none lost) plus
 * those of warm-up messages that arrived in the window, which are reported apart. Warm-up sends or
 * acks counted as the window's break these; which arrivals count is warmup-counting.test.ts's.
 */
function checkWarmupNotCounted(t: ExecutionContext, line: BenchLine): void {
  const { scenario, sent, acked, delivered, deliveredOfWarmup, deliveredLate, users, warmupSeconds } = line as Record<string, number>;
  t.is(warmupSeconds, 1, `${scenario}: warm-up`);
  t.true(acked! <= sent! && sent! - acked! <= users!, `${scenario}: ${sent} sent and ${acked} acked in the window by ${users} users, one outstanding each`);
  t.true(deliveredOfWarmup! >= 0 && deliveredOfWarmup! <= delivered!, `${scenario}: ${deliveredOfWarmup} of ${delivered} deliveries from the warm-up`);
  t.is(delivered! + deliveredLate! - deliveredOfWarmup!, acked!, `${scenario}: deliveries of messages sent in the window (${delivered} + ${deliveredLate} late - ${deliveredOfWarmup} of the warm-up) against ${acked} acked`);
}
