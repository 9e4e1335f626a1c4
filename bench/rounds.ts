/**
 * Rounds (BENCH_ROUNDS): the throughput scenarios run in turn, round after round, each divided by
 * the raw relay of its own round. This machine's CPUs drift (±25 % between runs, and its two cores
 * apart from each other: the raw relay is capped by the generator's core, zkchat by the servers'),
 * so one window against another can miss by a fifth either way; the median over interleaved rounds
 * is the figure to quote.
 */
import { alignedColumns } from './columns.js';
import { cpuRatioPct, deliveriesPerSec, ratioPct, refsOf, type Outcome, type RoundReferences } from './report.js';
import type { ScenarioName } from './scenarios.js';
import type { Settings } from './settings.js';

/** One scenario over every round it completed: medians, and the ratio's spread. */
export interface RoundsSummary {
  scenario: ScenarioName;
  /** Rounds that completed (a failed one is left out). */
  rounds: number;
  deliveriesPerSec: number;
  ratioPct: number | null;
  ratioMinPct: number | null;
  ratioMaxPct: number | null;
  cpuRatioPct: number | null;
}

/** The middle value (the mean of the two middle ones for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const oneDecimal = (x: number | null): number | null => (x === null ? null : Number(x.toFixed(1)));

/** Per scenario, in the order they ran: the medians over its rounds. */
export function summarize(outcomes: readonly Outcome[], s: Settings, byRound: RoundReferences): RoundsSummary[] {
  const names = [...new Set(outcomes.map((o) => o.scenario))];
  return names.map((scenario) => {
    const rates: number[] = [];
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (const o of outcomes) {
      if (o.scenario !== scenario || !o.ok) continue;
      const refs = refsOf(o, byRound);
      const rate = deliveriesPerSec(o.m, s.seconds);
      rates.push(rate);
      const ratio = ratioPct(scenario, rate, refs, s.seconds);
      if (ratio !== null) ratios.push(ratio);
      const cpuRatio = cpuRatioPct(scenario, o.m, refs, s.seconds);
      if (cpuRatio !== null) cpuRatios.push(cpuRatio);
    }
    return {
      scenario,
      rounds: rates.length,
      deliveriesPerSec: Math.round(median(rates) ?? 0),
      ratioPct: oneDecimal(median(ratios)),
      ratioMinPct: oneDecimal(ratios.length > 0 ? Math.min(...ratios) : null),
      ratioMaxPct: oneDecimal(ratios.length > 0 ? Math.max(...ratios) : null),
      cpuRatioPct: oneDecimal(median(cpuRatios)),
    };
  });
}

/** One machine-readable line per scenario: `BENCH_MEDIAN {json}`. */
export function summaryLine(summary: RoundsSummary): string {
  return `BENCH_MEDIAN ${JSON.stringify(summary)}`;
}

const percent = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)}%`);

export function summaryTable(summaries: readonly RoundsSummary[]): string {
  const head = ['scenario', 'rounds', 'deliv/s', 'ratio', 'ratio min–max', 'cpu ratio'];
  const rows = summaries.map((m) => [
    m.scenario,
    String(m.rounds),
    String(m.deliveriesPerSec),
    percent(m.ratioPct),
    m.ratioMinPct === null ? 'n/a' : `${percent(m.ratioMinPct)}–${percent(m.ratioMaxPct)}`,
    percent(m.cpuRatioPct),
  ]);
  return ['medians over the rounds (each ratio is to the raw relay of the same round):', ...alignedColumns(head, rows)].join('\n');
}
