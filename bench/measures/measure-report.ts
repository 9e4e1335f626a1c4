/** How measures are printed: a `BENCH {json}` line each, and one small table per measure. */
import { alignedColumns } from '../columns.js';
import type { MeasureReport } from './measure.js';

export type MeasureOutcome = { measure: string; ok: true; report: MeasureReport } | { measure: string; ok: false; error: string };

export function measureJsonLine(o: MeasureOutcome): string {
  if (!o.ok) return `BENCH ${JSON.stringify({ scenario: o.measure, ok: false, error: o.error })}`;
  return `BENCH ${JSON.stringify({ scenario: o.measure, ok: true, ...o.report.counts, ...o.report.figures })}`;
}

/** The table of one measure: its own columns (they differ per measure), right-aligned numbers. */
export function measureTable(o: MeasureOutcome): string {
  if (!o.ok) return `${o.measure}: FAILED: ${o.error}`;
  const rows = o.report.rows;
  const head = ['measure', ...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => [o.measure, ...head.slice(1).map((h) => r[h] ?? '-')]);
  return alignedColumns(head, cells).join('\n');
}
