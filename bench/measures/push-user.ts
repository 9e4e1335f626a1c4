/**
 * `push-user-api` and `push-user-stream`: push-to-user throughput. Users (one connection each) over
 * three chat nodes; each generator pushes to its own users, round robin, with a fixed number of
 * pushes in flight (a push is done once acknowledged and delivered, push-user-loop.ts), through
 * POST /push/user on every node's push API in turn, or by XADD to the push queue. The reference is
 * the raw relay's POST /push/user (one process forwarding to the named user's socket), measured the
 * same way in the same run.
 */
import { nowMs } from '../ipc.js';
import { START_LEAD_MS } from '../run-scenario.js';
import { mergeResults, type LoadResult } from '../stats.js';
import type { Measure, MeasureContext, MeasureReport } from './measure.js';
import { ms, pct, ratioPct, round } from './push-format.js';
import type { PushTransport } from './push-ipc.js';
import { withPushRig, type PushRig, type PushTarget } from './push-rig.js';
import { PUSH_REQUEST_TIMEOUT_MS } from './push-sender.js';
import { pushUserSizes, type PushUserSizes } from './push-settings.js';
import { PUSH_LOST_AFTER_MS } from './push-user-loop.js';

type Route = 'api' | 'stream';

function apiTransport(rig: PushRig): PushTransport {
  const adminUrls = rig.servers.map((s) => {
    if (s.adminUrl === null) throw new Error(`${s.name} has no push API port`);
    return s.adminUrl;
  });
  return { kind: 'api', adminUrls, token: rig.token };
}

/** zkchat's push queue of this run (README: Push queue). */
function streamTransport(context: MeasureContext): PushTransport {
  return { kind: 'stream', redisUrl: context.settings.redisUrl, stream: `${context.chatEnv.redisPrefix}push-queue` };
}

/** One window of pushes from every generator; their results merged. */
async function pushWindow(rig: PushRig, transport: PushTransport, sizes: PushUserSizes, seconds: number): Promise<LoadResult> {
  const concurrency = Math.ceil(sizes.concurrency / rig.generators.length);
  const startAt = nowMs() + START_LEAD_MS;
  const endAt = startAt + seconds * 1000;
  for (const gen of rig.generators) gen.send({ type: 'pushToUsers', transport, concurrency, startAt, endAt });
  const timeout = START_LEAD_MS + seconds * 1000 + PUSH_LOST_AFTER_MS + PUSH_REQUEST_TIMEOUT_MS + 30_000;
  const results = await Promise.all(rig.generators.map((gen) => gen.expect('result', timeout)));
  return mergeResults(results.map((r) => r.result));
}

interface Side {
  target: PushTarget;
  route: Route;
  load: LoadResult;
}

async function measureOn(context: MeasureContext, target: PushTarget, route: Route, sizes: PushUserSizes): Promise<Side> {
  const label = route === 'api' ? 'api' : 'st';
  const load = await withPushRig(context, target, label, sizes.users, (rig) =>
    pushWindow(rig, target === 'zkchat' && route === 'stream' ? streamTransport(context) : apiTransport(rig), sizes, context.settings.seconds),
  );
  return { target, route, load };
}

const perSec = (side: Side, seconds: number) => side.load.counts.delivered / seconds;

function row(side: Side, sizes: PushUserSizes, seconds: number, ratio: number | null): Record<string, string> {
  const c = side.load.counts;
  const how = side.target === 'raw' ? 'raw ws relay, POST' : side.route === 'api' ? 'zkchat, 3 nodes, POST' : 'zkchat, 3 nodes, XADD';
  return {
    server: how,
    users: String(sizes.users),
    'in flight': String(sizes.concurrency),
    'deliv/s': perSec(side, seconds).toFixed(0),
    'ratio zkchat÷raw': side.target === 'raw' ? '100%' : pct(ratio),
    'lat p50 / p99 ms': `${ms(side.load.deliveryLatency.quantile(0.5))} / ${ms(side.load.deliveryLatency.quantile(0.99))}`,
    'ack p50 / p99 ms': `${ms(side.load.replyLatency.quantile(0.5))} / ${ms(side.load.replyLatency.quantile(0.99))}`,
    sent: String(c.sent),
    acked: String(c.acked),
    delivered: String(c.delivered + c.deliveredLate),
    lost: String(c.lost),
    dup: String(c.duplicated),
    '503/other/unanswered': `${c.unavailable503}/${c.otherErrors}/${c.unanswered}`,
  };
}

async function run(context: MeasureContext, route: Route): Promise<MeasureReport> {
  const sizes = pushUserSizes();
  const seconds = context.settings.seconds;
  console.log(`bench: push-user-${route}: raw relay`);
  const raw = await measureOn(context, 'raw', 'api', sizes);
  console.log(`bench: push-user-${route}: zkchat`);
  const zkchat = await measureOn(context, 'zkchat', route, sizes);
  const ratio = ratioPct(perSec(zkchat, seconds), perSec(raw, seconds), true);
  const c = zkchat.load.counts;
  return {
    counts: { sent: c.sent, acked: c.acked, delivered: c.delivered + c.deliveredLate, lost: c.lost, duplicated: c.duplicated },
    figures: {
      users: sizes.users,
      concurrency: sizes.concurrency,
      seconds,
      deliveriesPerSec: Math.round(perSec(zkchat, seconds)),
      rawDeliveriesPerSec: Math.round(perSec(raw, seconds)),
      ratioPct: round(ratio, 1),
      latencyMsP50: round(zkchat.load.deliveryLatency.quantile(0.5)),
      latencyMsP99: round(zkchat.load.deliveryLatency.quantile(0.99)),
      ackMsP50: round(zkchat.load.replyLatency.quantile(0.5)),
      rawLatencyMsP50: round(raw.load.deliveryLatency.quantile(0.5)),
      unavailable503: c.unavailable503,
      otherErrors: c.otherErrors,
      unanswered: c.unanswered,
      rawLost: raw.load.counts.lost,
      rawDuplicated: raw.load.counts.duplicated,
    },
    rows: [row(raw, sizes, seconds, null), row(zkchat, sizes, seconds, ratio)],
  };
}

export const pushUserApiMeasure: Measure = {
  name: 'push-user-api',
  checkSettings: pushUserSizes,
  description: 'POST /push/user to users over 3 nodes, closed loop: deliveries/s, lost and duplicated; against the raw relay',
  run: (context) => run(context, 'api'),
};

export const pushUserStreamMeasure: Measure = {
  name: 'push-user-stream',
  checkSettings: pushUserSizes,
  description: 'XADD to the push queue for users over 3 nodes, closed loop: deliveries/s, XADD → delivery time; against the raw relay POST',
  run: (context) => run(context, 'stream'),
};
