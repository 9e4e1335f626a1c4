/**
 * A bench measure that is not a closed-loop throughput scenario: broadcast time, push throughput,
 * idle memory, login and resume rates, reconnect storm, failover under load, open-loop latency.
 * Each measure starts what it needs (its own raw `ws` reference included, in the same run and with
 * the same pinning), reports one `BENCH {json}` line and one table row, and stops everything.
 */
import type { ChatNodeEnv } from '../servers.js';
import type { Settings } from '../settings.js';

export interface MeasureContext {
  settings: Settings;
  /** Cluster secret, Redis prefix and Mongo database shared by the chat nodes of this run. */
  chatEnv: Omit<ChatNodeEnv, 'zkRoot'>;
}

/** Message counts every measure reports (zero where a measure sends none). */
export interface MeasureCounts {
  sent: number;
  acked: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

export interface MeasureReport {
  counts: MeasureCounts;
  /** The measure's own figures for its JSON line (numbers rounded, units in the key names). */
  figures: Record<string, number | string | boolean | null>;
  /** Its table: column → cell, in column order. One row per measure, or several (e.g. one per rate). */
  rows: Record<string, string>[];
}

export interface Measure {
  /** Name in BENCH_SCENARIOS. */
  name: string;
  description: string;
  /**
   * Reads the measure's settings from the environment, throwing SettingsError when one is out of
   * range: main calls it for every picked measure before anything runs, so a typo stops the bench
   * at once, not after the scenarios before it.
   */
  checkSettings(): void;
  run(context: MeasureContext): Promise<MeasureReport>;
}

export const NO_MESSAGES: MeasureCounts = { sent: 0, acked: 0, delivered: 0, lost: 0, duplicated: 0 };
