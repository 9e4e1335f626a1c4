/** What the bench prints: the machine, one `BENCH {json}` line per scenario, the final table. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { ScenarioMeasurement } from './run-scenario.js';
import type { ScenarioName } from './scenarios.js';
import type { Settings } from './settings.js';

/** The CPU the generators are pinned to (see scripts/bench.sh); warn when it was this busy. */
export const GENERATOR_CPU = 'cpu1';
const SATURATED_PCT = 90;

export type Outcome = { scenario: ScenarioName; ok: true; m: ScenarioMeasurement } | { scenario: ScenarioName; ok: false; error: string };

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
  return [
    `machine: ${cpuModel()}, ${os.cpus().length} cores, Node ${process.version}, ${os.platform()} ${os.release()}`,
    `pinning: ${pin}`,
    `load: ${s.users} users in ${s.users / 2} pairs, closed loop (one chat outstanding per user), ${s.seconds} s per scenario, ${s.generators} generator process(es)`,
    `scenarios: ${s.scenarios.join(', ')}; run tag ${s.runTag}`,
  ].join('\n');
}

const round = (x: number | null, digits = 2): number | null => (x === null ? null : Number(x.toFixed(digits)));

export function deliveriesPerSec(m: ScenarioMeasurement, seconds: number): number {
  return m.load.counts.delivered / seconds;
}

/** One machine-readable line per scenario. `ratioPct` needs the raw relay's rate of this run. */
export function jsonLine(o: Outcome, s: Settings, rawRate: number | null): string {
  if (!o.ok) return `BENCH ${JSON.stringify({ scenario: o.scenario, ok: false, error: o.error })}`;
  const { load, archive } = o.m;
  const rate = deliveriesPerSec(o.m, s.seconds);
  return `BENCH ${JSON.stringify({
    scenario: o.scenario,
    ok: true,
    users: s.users,
    generators: s.generators,
    seconds: s.seconds,
    deliveriesPerSec: Math.round(rate),
    ratioPct: rawRate ? round((100 * rate) / rawRate, 1) : null,
    latencyMs: { p50: round(load.deliveryLatency.quantile(0.5)), p99: round(load.deliveryLatency.quantile(0.99)) },
    replyMs: { p50: round(load.replyLatency.quantile(0.5)), p99: round(load.replyLatency.quantile(0.99)) },
    ...load.counts,
    archiveBacklog: archive?.backlog ?? null,
    archiveDrainSeconds: archive ? round(archive.drainSeconds, 1) : null,
    archiveDrained: archive ? archive.drainSeconds !== null : null,
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
      const why = o.scenario === 'raw' ? 'the raw relay reads low (capped by the load, not by the relay), so the ratios read high' : `${o.scenario} may read low`;
      const own = `the generators themselves used ${cpuShare(o, 'generator').toFixed(0)}% of a core`;
      out.push(`warning: the generator core (CPU 1) was ${busy}% busy during ${o.scenario} (${own}): ${why}`);
    }
    const c = o.m.load.counts;
    if (c.unanswered > 0) out.push(`warning: ${o.scenario}: ${c.unanswered} request(s) still unanswered at the end of the grace period`);
    if (o.m.archive && o.m.archive.drainSeconds === null) out.push(`warning: ${o.scenario}: the archive did not drain within 180 s`);
  }
  if (!s.pin) out.push(`note: not pinned, so servers and load generators share the CPUs (${s.pinNote})`);
  return out;
}

const SERVICES = new Set(['zookeeper', 'redis', 'mongo']);
type ProcessKind = 'server' | 'service' | 'generator';
const kindOf = (name: string): ProcessKind => (name.startsWith('generator-') ? 'generator' : SERVICES.has(name) ? 'service' : 'server');

/** Percent of one core used by a scenario's processes of one kind, summed. */
function cpuShare(o: Extract<Outcome, { ok: true }>, kind: ProcessKind): number {
  return Object.entries(o.m.cpu.processes)
    .filter(([name]) => kindOf(name) === kind)
    .reduce((sum, [, p]) => sum + p, 0);
}

function ms(x: number | null): string {
  return x === null ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1);
}

export function table(outcomes: readonly Outcome[], s: Settings, rawRate: number | null): string {
  const cpus = [...new Set(outcomes.flatMap((o) => (o.ok ? Object.keys(o.m.cpu.cpus) : [])))].sort();
  const head = ['scenario', 'deliv/s', 'ratio', 'lat p50', 'lat p99', 'reply p50', 'reply p99', 'sent', 'acked', 'delivered', 'lost', 'dup', '503', '429', 'backlog', 'drain s', ...cpus.map((c) => `${c} %`), 'srv %', 'svc %', 'gen %'];
  const rows = outcomes.map((o) => {
    if (!o.ok) return [o.scenario, 'FAILED', ...head.slice(2).map(() => '')];
    const { load, archive } = o.m;
    const c = load.counts;
    const rate = deliveriesPerSec(o.m, s.seconds);
    const drain = archive === null ? '-' : archive.drainSeconds === null ? 'not drained' : archive.drainSeconds.toFixed(1);
    return [
      o.scenario,
      rate.toFixed(0),
      rawRate ? `${((100 * rate) / rawRate).toFixed(1)}%` : 'n/a',
      ms(load.deliveryLatency.quantile(0.5)),
      ms(load.deliveryLatency.quantile(0.99)),
      ms(load.replyLatency.quantile(0.5)),
      ms(load.replyLatency.quantile(0.99)),
      ...[c.sent, c.acked, c.delivered, c.lost, c.duplicated, c.unavailable503, c.rateLimited429].map(String),
      archive === null ? '-' : String(archive.backlog),
      drain,
      ...cpus.map((cpu) => (o.m.cpu.cpus[cpu] === undefined ? '-' : o.m.cpu.cpus[cpu]!.toFixed(0))),
      cpuShare(o, 'server').toFixed(0),
      cpuShare(o, 'service').toFixed(0),
      cpuShare(o, 'generator').toFixed(0),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    line(head),
    ...rows.map(line),
    '',
    'deliv/s: chat events received in the window ÷ its seconds; ratio: ÷ the raw relay of this run;',
    'lat: send (first attempt) → delivery, ms; reply: request → reply per attempt, ms; lost: acked but never',
    'delivered; backlog: archive stream length when the window closed; drain s: from then until it was 0;',
    'cpuN %: how busy each CPU was in the window (everything on it); srv % / svc % / gen %: share of one core',
    'used by the chat nodes or raw relay / ZooKeeper + Redis + MongoDB / the load generators (JSON: each process).',
  ].join('\n');
}
