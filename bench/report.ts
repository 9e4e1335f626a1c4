/** What the bench prints: the machine, one `BENCH {json}` line per scenario, the final table. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { alignedColumns } from './columns.js';
import type { ScenarioMeasurement } from './run-scenario.js';
import { SCENARIOS, type Scenario, type ScenarioName } from './scenarios.js';
import type { Settings } from './settings.js';

/** The CPU the generators are pinned to (see scripts/bench.sh); warn when it was this busy. */
export const GENERATOR_CPU = 'cpu1';
const SATURATED_PCT = 90;

/** One scenario's run in round `round` (1, 2, …: see BENCH_ROUNDS in settings.ts). */
export type Outcome = { scenario: ScenarioName; round: number; ok: true; m: ScenarioMeasurement } | { scenario: ScenarioName; round: number; ok: false; error: string };

/** The reference scenarios (the raw relays) measured so far in one round. */
export type References = ReadonlyMap<ScenarioName, ScenarioMeasurement>;

/** Each round's references: a scenario is divided by the raw relay of its own round. */
export type RoundReferences = ReadonlyMap<number, References>;

const NO_REFERENCES: References = new Map();

/** The references of the outcome's round (none when its round measured no raw relay). */
export function refsOf(o: Outcome, byRound: RoundReferences): References {
  return byRound.get(o.round) ?? NO_REFERENCES;
}

/** The scenario's name in a table, with its round when there are several. */
function rowName(o: Outcome, s: Settings): string {
  return s.rounds > 1 ? `${o.scenario} #${o.round}` : o.scenario;
}

function scenarioNamed(name: ScenarioName): Scenario {
  return SCENARIOS.find((s) => s.name === name)!;
}

/** The raw relay scenario a scenario's ratio divides by ('raw' for pairs, 'raw-room' for the room). */
export function referenceOf(name: ScenarioName): ScenarioName {
  return scenarioNamed(name).reference;
}

/** Percent of the reference's deliveries/s; null without a reference in this run. */
export function ratioPct(name: ScenarioName, rate: number, refs: References, seconds: number): number | null {
  const reference = refs.get(referenceOf(name));
  return reference ? (100 * rate) / deliveriesPerSec(reference, seconds) : null;
}

/**
 * The reference's server-side CPU per delivery as a percent of this scenario's: the ratio by cost.
 * Unlike ratioPct it does not read high when the generator, not the relay, capped the reference.
 */
export function cpuRatioPct(name: ScenarioName, m: ScenarioMeasurement, refs: References, seconds: number): number | null {
  const reference = refs.get(referenceOf(name));
  const own = stackUsPerDelivery(m, seconds);
  const theirs = reference ? stackUsPerDelivery(reference, seconds) : null;
  return own !== null && theirs !== null ? (100 * theirs) / own : null;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: fall back to what Node knows
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function header(s: Settings): string {
  const pin = s.pin ? 'servers on CPU 0, load generators on CPU 1 (taskset)' : `off: ${s.pinNote}`;
  const traffics = new Set(s.scenarios.map((name) => scenarioNamed(name).traffic));
  const load: string[] = [];
  if (traffics.has('pairs')) load.push(`pairs: ${s.users} users in ${s.users / 2} pairs, closed loop (one chat outstanding per user), ${s.generators} generator process(es)`);
  if (traffics.has('room')) {
    load.push(
      `room: ${s.roomMembers} members in one room, ${s.roomSenders} of them sending, each with one message outstanding until every other member has it (closed loop over the fan-out), 1 generator process`,
    );
  }
  return [
    `machine: ${cpuModel()}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.release()}`,
    `pinning: ${pin}`,
    ...load.map((l) => `load: ${l}`),
    `window: ${s.seconds} s per scenario, after ${s.warmupSeconds} s of warm-up (the same traffic, not counted)${s.rounds > 1 ? `, ${s.rounds} rounds (each scenario divided by the raw relay of its round; medians at the end)` : ''}`,
    `scenarios: ${[...s.scenarios, ...s.measures].join(', ')}; run tag ${s.runTag}`,
  ].join('\n');
}

const round = (x: number | null, digits = 2): number | null => (x === null ? null : Number(x.toFixed(digits)));

export function deliveriesPerSec(m: ScenarioMeasurement, seconds: number): number {
  return m.load.counts.delivered / seconds;
}

/** One machine-readable line per scenario. `ratioPct` needs the reference's rate of this run. */
export function jsonLine(o: Outcome, s: Settings, byRound: RoundReferences): string {
  if (!o.ok) return `BENCH ${JSON.stringify({ scenario: o.scenario, round: o.round, ok: false, error: o.error })}`;
  const refs = refsOf(o, byRound);
  const { load, archive } = o.m;
  const rate = deliveriesPerSec(o.m, s.seconds);
  const traffic = scenarioNamed(o.scenario).traffic;
  return `BENCH ${JSON.stringify({
    scenario: o.scenario,
    round: o.round,
    ok: true,
    traffic,
    users: o.m.users,
    ...(traffic === 'room' ? { roomSenders: s.roomSenders } : {}),
    generators: o.m.generators,
    seconds: s.seconds,
    warmupSeconds: s.warmupSeconds,
    deliveriesPerSec: Math.round(rate),
    reference: referenceOf(o.scenario),
    ratioPct: round(ratioPct(o.scenario, rate, refs, s.seconds), 1),
    cpuRatioPct: round(cpuRatioPct(o.scenario, o.m, refs, s.seconds), 1),
    latencyMs: { p50: round(load.deliveryLatency.quantile(0.5)), p99: round(load.deliveryLatency.quantile(0.99)) },
    replyMs: { p50: round(load.replyLatency.quantile(0.5)), p99: round(load.replyLatency.quantile(0.99)) },
    ...load.counts,
    archiveBacklog: archive?.backlog ?? null,
    archiveDrainSeconds: archive ? round(archive.drainSeconds, 1) : null,
    archiveDrained: archive ? archive.drainSeconds !== null : null,
    serverUsPerDelivery: round(serverUsPerDelivery(o.m, s.seconds)),
    stackUsPerDelivery: round(stackUsPerDelivery(o.m, s.seconds)),
    cpuBusyPct: o.m.cpu.cpus,
    processCpuPct: o.m.cpu.processes,
    loginSeconds: round(o.m.loginSeconds, 1),
    graceSeconds: round(load.graceMs / 1000, 2),
  })}`;
}

/** Warnings a reader needs to read the numbers right. */
export function warnings(outcomes: readonly Outcome[], s: Settings): string[] {
  const out: string[] = [];
  for (const o of outcomes) {
    if (!o.ok) continue;
    const busy = o.m.cpu.cpus[GENERATOR_CPU];
    if (s.pin && busy !== undefined && busy >= SATURATED_PCT) {
      const why =
        referenceOf(o.scenario) === o.scenario ? `${rowName(o, s)} reads low (capped by the load, not by the relay), so the ratios to it read high` : `${rowName(o, s)} may read low`;
      const own = `the generators themselves used ${cpuShare(o.m, 'generator').toFixed(0)}% of a core`;
      out.push(`warning: the generator core (CPU 1) was ${busy}% busy during ${rowName(o, s)} (${own}): ${why}; cpu ratio does not depend on it`);
    }
    const c = o.m.load.counts;
    if (c.unanswered > 0) out.push(`warning: ${rowName(o, s)}: ${c.unanswered} request(s) still unanswered at the end of the grace period`);
    if (o.m.archive && o.m.archive.drainSeconds === null) out.push(`warning: ${rowName(o, s)}: the archive did not drain within 300 s`);
  }
  if (!s.pin) out.push(`note: not pinned, so servers and load generators share the CPUs (${s.pinNote})`);
  return out;
}

const SERVICES = new Set(['zookeeper', 'redis', 'mongo']);
type ProcessKind = 'server' | 'service' | 'generator';
const kindOf = (name: string): ProcessKind => (name.startsWith('generator-') ? 'generator' : SERVICES.has(name) ? 'service' : 'server');

/** Percent of one core used by a scenario's processes of one kind, summed. */
function cpuShare(m: ScenarioMeasurement, kind: ProcessKind): number {
  return Object.entries(m.cpu.processes)
    .filter(([name]) => kindOf(name) === kind)
    .reduce((sum, [, p]) => sum + p, 0);
}

/**
 * CPU time of the servers under test (chat nodes, or the raw relay) per delivery in the window, µs.
 * Unlike deliveries/s it does not depend on who ran out of CPU first (the generator, or another
 * program on the machine), so it compares the servers' own cost even when the rate cannot.
 */
function serverUsPerDelivery(m: ScenarioMeasurement, seconds: number): number | null {
  return usPerDelivery(m, cpuShare(m, 'server'), seconds);
}

/**
 * CPU time of the whole server side per delivery, µs: the chat nodes or raw relay plus ZooKeeper,
 * Redis and MongoDB (whose archive work mostly comes after the window, see the drain time).
 */
function stackUsPerDelivery(m: ScenarioMeasurement, seconds: number): number | null {
  return usPerDelivery(m, cpuShare(m, 'server') + cpuShare(m, 'service'), seconds);
}

function usPerDelivery(m: ScenarioMeasurement, corePct: number, seconds: number): number | null {
  const delivered = m.load.counts.delivered;
  return delivered > 0 ? ((corePct / 100) * seconds * 1e6) / delivered : null;
}

function fixed(x: number | null, digits: number): string {
  return x === null ? '-' : x.toFixed(digits);
}

function ms(x: number | null): string {
  return x === null ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1);
}

export function table(outcomes: readonly Outcome[], s: Settings, byRound: RoundReferences): string {
  const cpus = [...new Set(outcomes.flatMap((o) => (o.ok ? Object.keys(o.m.cpu.cpus) : [])))].sort();
  const head = ['scenario', 'deliv/s', 'ratio', 'of', 'lat p50', 'lat p99', 'reply p50', 'reply p99', 'sent', 'acked', 'delivered', 'lost', 'dup', '503', '429', 'backlog', 'drain s', ...cpus.map((c) => `${c} %`), 'srv %', 'svc %', 'gen %', 'srv µs/d', 'all µs/d', 'cpu ratio'];
  const rows = outcomes.map((o) => {
    if (!o.ok) return [rowName(o, s), 'FAILED', ...head.slice(2).map(() => '')];
    const refs = refsOf(o, byRound);
    const { load, archive } = o.m;
    const c = load.counts;
    const rate = deliveriesPerSec(o.m, s.seconds);
    const drain = archive === null ? '-' : archive.drainSeconds === null ? 'not drained' : archive.drainSeconds.toFixed(1);
    const ratio = ratioPct(o.scenario, rate, refs, s.seconds);
    const cpuRatio = cpuRatioPct(o.scenario, o.m, refs, s.seconds);
    return [
      rowName(o, s),
      rate.toFixed(0),
      ratio === null ? 'n/a' : `${ratio.toFixed(1)}%`,
      referenceOf(o.scenario),
      ms(load.deliveryLatency.quantile(0.5)),
      ms(load.deliveryLatency.quantile(0.99)),
      ms(load.replyLatency.quantile(0.5)),
      ms(load.replyLatency.quantile(0.99)),
      ...[c.sent, c.acked, c.delivered, c.lost, c.duplicated, c.unavailable503, c.rateLimited429].map(String),
      archive === null ? '-' : String(archive.backlog),
      drain,
      ...cpus.map((cpu) => (o.m.cpu.cpus[cpu] === undefined ? '-' : o.m.cpu.cpus[cpu]!.toFixed(0))),
      cpuShare(o.m, 'server').toFixed(0),
      cpuShare(o.m, 'service').toFixed(0),
      cpuShare(o.m, 'generator').toFixed(0),
      fixed(serverUsPerDelivery(o.m, s.seconds), 2),
      fixed(stackUsPerDelivery(o.m, s.seconds), 2),
      cpuRatio === null ? 'n/a' : `${cpuRatio.toFixed(1)}%`,
    ];
  });
  return [
    ...alignedColumns(head, rows),
    '',
    'deliv/s: chat (pairs) or roomChat (room: one per member reached) events received in the window ÷ its',
    'seconds; ratio: ÷ the deliv/s of the raw relay of the same traffic in this run (column "of");',
    'lat: send (first attempt) → delivery, ms; reply: request → reply per attempt, ms; lost: acked but never',
    'delivered (room: counted per member); backlog: archive stream length when the window closed; drain s:',
    'from then until it was 0;',
    'cpuN %: how busy each CPU was in the window (everything on it); srv % / svc % / gen %: share of one core',
    'used by the chat nodes or raw relay / ZooKeeper + Redis + MongoDB / the load generators (JSON: each process);',
    'srv µs/d: CPU time of the chat nodes or raw relay per delivery (whoever ran out of CPU first, this compares',
    'the servers themselves); all µs/d: the same for the whole server side (srv + svc); cpu ratio: the',
    "reference's all µs/d ÷ this one's, the ratio by cost (it does not read high when the generator capped the",
    'reference).',
  ].join('\n');
}
