/**
 * `broadcast`: N logged-in connections over three chat nodes; K broadcasts (POST /push/broadcast to
 * a follower's push API), one after another, each once every connection got the one before. Per
 * broadcast: the time from the POST until 99 % and until 100 % of the connections got it; at the end,
 * whether every connection got each broadcast exactly once. The raw relay in push mode is measured
 * the same way in the same run (one process, the frame encoded once and written to every socket).
 */
import { nowMs } from '../ipc.js';
import type { Measure, MeasureContext, MeasureReport } from './measure.js';
import { median, ms, pct, ratioPct, round, worst } from './push-format.js';
import { postJson } from './push-http.js';
import { BROADCAST_TYPE } from './push-ipc.js';
import { withPushRig, type PushRig, type PushTarget } from './push-rig.js';
import { broadcastSizes, type BroadcastSizes } from './push-settings.js';

/** A broadcast not complete this long after its POST counts its missing connections as lost. */
const BROADCAST_TIMEOUT_MS = 30_000;
/** How long the POST may take. */
const POST_TIMEOUT_MS = 10_000;
/** After the last broadcast, wait this long for late copies before counting duplicates. */
const TALLY_AFTER_MS = 500;
/** Share of the connections the first time figure waits for. */
const MOST = 0.99;

interface BroadcastRun {
  connections: number;
  /** Broadcasts the push API accepted (HTTP 200 with an id), and those it refused. */
  acked: number;
  refused: number;
  /** ms from the POST until 99 % / 100 % of the connections had it, per broadcast that got that far. */
  toMost: number[];
  toAll: number[];
  delivered: number;
  lost: number;
  duplicated: number;
}

/** The node the broadcasts are posted to: a follower (the leader relays them on), or the raw relay. */
function postTarget(rig: PushRig): string {
  const server = rig.servers[Math.min(1, rig.servers.length - 1)]!;
  if (server.adminUrl === null) throw new Error(`${server.name} has no push API port`);
  return `${server.adminUrl}/push/broadcast`;
}

async function broadcastOnce(rig: PushRig, url: string, k: number, run: BroadcastRun): Promise<string | null> {
  const postedAt = nowMs();
  const answer = await postJson(url, { type: BROADCAST_TYPE, data: { k } }, rig.token, undefined, POST_TIMEOUT_MS);
  const id = answer.status === 200 ? (JSON.parse(answer.body) as { id?: unknown }).id : undefined;
  if (typeof id !== 'string') {
    run.refused++;
    return null;
  }
  run.acked++;
  for (const gen of rig.generators) gen.send({ type: 'awaitBroadcast', id, timeoutMs: BROADCAST_TIMEOUT_MS });
  const arrivals = await Promise.all(rig.generators.map((gen) => gen.expect('broadcastArrivals', BROADCAST_TIMEOUT_MS + POST_TIMEOUT_MS)));
  const times = arrivals.flatMap((a) => a.times.map((t) => t - postedAt)).sort((a, b) => a - b);
  const most = Math.ceil(MOST * run.connections);
  if (times.length >= most) run.toMost.push(times[most - 1]!);
  if (times.length === run.connections) run.toAll.push(times[run.connections - 1]!);
  return id;
}

async function runBroadcasts(rig: PushRig, count: number): Promise<BroadcastRun> {
  const run: BroadcastRun = { connections: rig.users.length, acked: 0, refused: 0, toMost: [], toAll: [], delivered: 0, lost: 0, duplicated: 0 };
  const url = postTarget(rig);
  const ids: string[] = [];
  for (let k = 0; k < count; k++) {
    const id = await broadcastOnce(rig, url, k, run);
    if (id !== null) ids.push(id);
  }
  await new Promise((resolve) => setTimeout(resolve, TALLY_AFTER_MS));
  for (const gen of rig.generators) gen.send({ type: 'tallyBroadcasts' });
  const tallies = await Promise.all(rig.generators.map((gen) => gen.expect('broadcastTally', POST_TIMEOUT_MS)));
  for (const id of ids) run.delivered += tallies.reduce((sum, t) => sum + (t.received[id] ?? 0), 0);
  run.lost = ids.length * run.connections - run.delivered;
  run.duplicated = tallies.reduce((sum, t) => sum + t.duplicates, 0);
  return run;
}

function measureOn(context: MeasureContext, target: PushTarget, sizes: BroadcastSizes): Promise<BroadcastRun> {
  return withPushRig(context, target, 'bc', sizes.connections, (rig) => runBroadcasts(rig, sizes.broadcasts));
}

const SERVER_LABEL: Record<PushTarget, string> = { raw: 'raw ws relay', zkchat: 'zkchat, 3 nodes' };

function row(target: PushTarget, run: BroadcastRun, ratio: number | null): Record<string, string> {
  return {
    server: SERVER_LABEL[target],
    connections: String(run.connections),
    broadcasts: `${run.acked}${run.refused > 0 ? ` (+${run.refused} refused)` : ''}`,
    '99% p50 / worst ms': `${ms(median(run.toMost))} / ${ms(worst(run.toMost))}`,
    '100% p50 / worst ms': `${ms(median(run.toAll))} / ${ms(worst(run.toAll))}`,
    'ratio raw÷zkchat (100% p50)': target === 'raw' ? '100%' : pct(ratio),
    delivered: String(run.delivered),
    lost: String(run.lost),
    dup: String(run.duplicated),
  };
}

async function run(context: MeasureContext): Promise<MeasureReport> {
  const sizes = broadcastSizes();
  console.log('bench: broadcast: raw relay');
  const raw = await measureOn(context, 'raw', sizes);
  console.log('bench: broadcast: zkchat');
  const zkchat = await measureOn(context, 'zkchat', sizes);
  // How fast zkchat is as a share of the raw relay: 100 % = as fast, 50 % = takes twice as long.
  const ratio = ratioPct(median(zkchat.toAll), median(raw.toAll), false);
  return {
    counts: { sent: zkchat.acked + zkchat.refused, acked: zkchat.acked, delivered: zkchat.delivered, lost: zkchat.lost, duplicated: zkchat.duplicated },
    figures: {
      connections: zkchat.connections,
      broadcasts: zkchat.acked,
      to99PctMsP50: round(median(zkchat.toMost)),
      to99PctMsWorst: round(worst(zkchat.toMost)),
      to100PctMsP50: round(median(zkchat.toAll)),
      to100PctMsWorst: round(worst(zkchat.toAll)),
      incompleteBroadcasts: zkchat.acked - zkchat.toAll.length,
      rawTo99PctMsP50: round(median(raw.toMost)),
      rawTo100PctMsP50: round(median(raw.toAll)),
      rawTo100PctMsWorst: round(worst(raw.toAll)),
      rawLost: raw.lost,
      rawDuplicated: raw.duplicated,
      ratioPct: round(ratio, 1),
    },
    rows: [row('raw', raw, null), row('zkchat', zkchat, ratio)],
  };
}

export const broadcastMeasure: Measure = {
  name: 'broadcast',
  checkSettings: broadcastSizes,
  description: 'POST /push/broadcast to N connections over 3 nodes, K times: time until 99% / 100% got it, each exactly once; against the raw relay',
  run,
};
