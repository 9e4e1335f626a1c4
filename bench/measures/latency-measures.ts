/**
 * Latency measures (issue 13): `open-loop`, 1:1 pairs traffic at fixed send rates, so latency
 * includes queueing (the closed-loop scenarios only find saturation). Per server kind — the raw
 * relay (reference, first), one chat node, three chat nodes with every pair split over node-2 and
 * node-3 — and per rate: achieved deliveries/s, delivery and reply latency p50/p99 from the
 * scheduled send time, and the message counts. Ratio: zkchat's delivery p99 ÷ the raw relay's at
 * the same rate. Sizes: BENCH_OPEN_RATES, BENCH_OPEN_SECONDS, BENCH_OPEN_WARMUP_SECONDS
 * (open-loop-settings.ts), BENCH_USERS, BENCH_GENERATORS.
 */
import { runOpenLoop, type RateOutcome } from '../open-loop-run.js';
import { openLoopSettings } from '../open-loop-settings.js';
import { SCENARIOS, type ScenarioName } from '../scenarios.js';
import type { Measure, MeasureCounts, MeasureReport } from './measure.js';

/** The pairs scenarios whose servers and user layout the open loop reuses; the raw relay first. */
const KINDS: readonly ScenarioName[] = ['raw', 'same-node', 'cross-node'];
const REFERENCE: ScenarioName = 'raw';

interface KindOutcome {
  kind: ScenarioName;
  rates: RateOutcome[];
}

const round = (x: number | null, digits = 2): number | null => (x === null ? null : Number(x.toFixed(digits)));
const ms = (x: number | null): string => (x === null ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1));

/** Every delivery of a window's messages, in the window or in its grace period. */
const deliveredOf = (r: RateOutcome): number => r.load.counts.delivered + r.load.counts.deliveredLate;

function totals(kinds: readonly KindOutcome[]): MeasureCounts {
  const sum: MeasureCounts = { sent: 0, acked: 0, delivered: 0, lost: 0, duplicated: 0 };
  for (const r of kinds.flatMap((k) => k.rates)) {
    const c = r.load.counts;
    sum.sent += c.sent;
    sum.acked += c.acked;
    sum.delivered += deliveredOf(r);
    sum.lost += c.lost;
    sum.duplicated += c.duplicated;
  }
  return sum;
}

/** This kind's delivery p99 ÷ the raw relay's at the same rate; null without both. */
function p99Ratio(r: RateOutcome, reference: KindOutcome | undefined): number | null {
  const raw = reference?.rates.find((x) => x.ratePerSec === r.ratePerSec)?.load.deliveryLatency.quantile(0.99) ?? null;
  const own = r.load.deliveryLatency.quantile(0.99);
  return raw === null || own === null || raw === 0 ? null : own / raw;
}

function report(kinds: readonly KindOutcome[]): MeasureReport {
  const reference = kinds.find((k) => k.kind === REFERENCE);
  const figures: MeasureReport['figures'] = {};
  const rows: MeasureReport['rows'] = [];
  for (const { kind, rates } of kinds) {
    for (const r of rates) {
      const { counts: c, deliveryLatency: d, replyLatency: reply } = r.load;
      const ratio = kind === REFERENCE ? null : p99Ratio(r, reference);
      const achieved = c.delivered / r.seconds;
      const key = `${kind}@${r.ratePerSec}`;
      Object.assign(figures, {
        [`${key}:achievedPerSec`]: Math.round(achieved),
        [`${key}:deliveryP50Ms`]: round(d.quantile(0.5)),
        [`${key}:deliveryP99Ms`]: round(d.quantile(0.99)),
        [`${key}:replyP50Ms`]: round(reply.quantile(0.5)),
        [`${key}:replyP99Ms`]: round(reply.quantile(0.99)),
        [`${key}:p99RatioToRaw`]: round(ratio),
        [`${key}:lost`]: c.lost,
        [`${key}:duplicated`]: c.duplicated,
        [`${key}:unavailable503`]: c.unavailable503,
        [`${key}:sendLagP99Ms`]: round(r.sendLag.quantile(0.99)),
        [`${key}:archiveDrainSeconds`]: r.archive ? round(r.archive.drainSeconds, 1) : null,
      });
      rows.push({
        kind,
        'rate/s': String(r.ratePerSec),
        'deliv/s': achieved.toFixed(0),
        'lat p50': ms(d.quantile(0.5)),
        'lat p99': ms(d.quantile(0.99)),
        'reply p50': ms(reply.quantile(0.5)),
        'reply p99': ms(reply.quantile(0.99)),
        'p99 ÷ raw': ratio === null ? '-' : `${ratio.toFixed(1)}×`,
        sent: String(c.sent),
        acked: String(c.acked),
        delivered: String(deliveredOf(r)),
        late: String(c.deliveredLate),
        lost: String(c.lost),
        dup: String(c.duplicated),
        // Not '503': integer-like keys would come first in the table's columns.
        '503s': String(c.unavailable503),
        '429s': String(c.rateLimited429),
        unsettled: String(c.unanswered),
        'lag p99': ms(r.sendLag.quantile(0.99)),
        backlog: r.archive ? String(r.archive.backlog) : '-',
        'drain s': r.archive === null ? '-' : r.archive.drainSeconds === null ? 'not drained' : r.archive.drainSeconds.toFixed(1),
      });
    }
  }
  return { counts: totals(kinds), figures, rows };
}

const openLoop: Measure = {
  name: 'open-loop',
  checkSettings: openLoopSettings,
  description:
    'pairs at fixed total send rates (open loop: sends on a schedule, whatever the replies), raw relay vs one chat node vs three; ' +
    'latency from the scheduled send time, so it includes queueing; ratio: delivery p99 ÷ the raw relay\'s at the same rate',
  async run({ settings, chatEnv }) {
    const open = openLoopSettings();
    const kinds: KindOutcome[] = [];
    for (const kind of KINDS) {
      const scenario = SCENARIOS.find((s) => s.name === kind)!;
      console.log(`bench: open-loop: ${kind}: rates ${open.rates.join(', ')} msg/s, ${open.seconds} s each`);
      kinds.push({ kind, rates: await runOpenLoop(scenario, settings, chatEnv, open) });
    }
    return report(kinds);
  },
};

export const LATENCY_MEASURES: readonly Measure[] = [openLoop];
