/** Messages between main (run-scenario.ts) and its generator processes, over the fork IPC channel. */
import type { LoadResultData } from './stats.js';

export interface UserSpec {
  /** Global index: user 2k and 2k+1 are a pair (pairs), or member `index` of the room. */
  index: number;
  username: string;
  password: string;
  /** ws:// address of the server this user connects to. */
  url: string;
}

/**
 * What the users do. 'room': user 0 creates the room `room`, every other one joins it, and users
 * 0 … senders-1 send to it; all members of the room are in the one generator.
 */
export type TrafficSpec = { kind: 'pairs' } | { kind: 'room'; room: string; senders: number };

/** main → generator */
export type ToGenerator =
  /** Open, register and log in these users (whole pairs, or the whole room), set the traffic up, then answer `ready`. */
  | { type: 'setup'; users: UserSpec[]; loginConcurrency: number; traffic: TrafficSpec }
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
