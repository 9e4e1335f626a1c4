/**
 * Sizes of the open-loop latency measure, from the environment: BENCH_OPEN_RATES (total msg/s over
 * all users, one window each, comma-separated), BENCH_OPEN_SECONDS (per window),
 * BENCH_OPEN_WARMUP_SECONDS (an unmeasured window at the first rate after the logins; 0: none).
 * The users and generator processes are the pairs scenarios' (BENCH_USERS, BENCH_GENERATORS).
 */
import { int, SettingsError } from './settings.js';

export const DEFAULT_OPEN_RATES = [1000, 2000, 4000];
export const DEFAULT_OPEN_SECONDS = 10;
/** JIT and connection warm-up, so the first rate's tail is not the servers' first seconds. */
export const DEFAULT_OPEN_WARMUP_SECONDS = 2;
const MAX_RATE = 1_000_000;

export interface OpenLoopSettings {
  /** Total send rates (msg/s), in the order they run. */
  rates: number[];
  seconds: number;
  warmupSeconds: number;
}

function rates(): number[] {
  const raw = process.env.BENCH_OPEN_RATES;
  if (raw === undefined || raw.trim() === '') return DEFAULT_OPEN_RATES;
  return raw.split(',').map((part) => {
    const rate = Number(part.trim());
    if (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
      throw new SettingsError(`BENCH_OPEN_RATES must be integers between 1 and ${MAX_RATE} msg/s, comma-separated; got "${raw}"`);
    }
    return rate;
  });
}

export function openLoopSettings(): OpenLoopSettings {
  return {
    rates: rates(),
    seconds: int('BENCH_OPEN_SECONDS', DEFAULT_OPEN_SECONDS, 1, 3600),
    warmupSeconds: int('BENCH_OPEN_WARMUP_SECONDS', DEFAULT_OPEN_WARMUP_SECONDS, 0, 600),
  };
}
