/** Messages between main (run-scenario.ts) and its generator processes, over the fork IPC channel. */
import type { LoadResultData } from './stats.js';

export interface UserSpec {
  /** Global index: user 2k and 2k+1 are a pair. */
  index: number;
  username: string;
  password: string;
  /** ws:// address of the server this user connects to. */
  url: string;
}

/** main → generator */
export type ToGenerator =
  /** Open, register and log in these users (whole pairs), then answer `ready`. */
  | { type: 'setup'; users: UserSpec[]; loginConcurrency: number }
  /** Run the closed loop from startAt to endAt (ms, performance.timeOrigin + performance.now()). */
  | { type: 'start'; startAt: number; endAt: number }
  /** Close every socket and exit. */
  | { type: 'close' };

/** generator → main */
export type FromGenerator =
  | { type: 'ready'; loginMs: number }
  /** After the window and its grace period. */
  | { type: 'result'; result: LoadResultData }
  | { type: 'error'; message: string };

const TO_TYPES = new Set<string>(['setup', 'start', 'close']);
const FROM_TYPES = new Set<string>(['ready', 'result', 'error']);

// Both ends are our own processes: checking the tag is enough to catch a mix-up.
function tagged(value: unknown, types: ReadonlySet<string>): boolean {
  return typeof value === 'object' && value !== null && types.has(String((value as { type?: unknown }).type));
}

export function isToGenerator(value: unknown): value is ToGenerator {
  return tagged(value, TO_TYPES);
}

export function isFromGenerator(value: unknown): value is FromGenerator {
  return tagged(value, FROM_TYPES);
}

/** Wall-clock milliseconds with sub-ms precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
