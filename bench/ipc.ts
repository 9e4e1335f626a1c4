/** Messages between main (run-scenario.ts) and its generator processes, over the fork IPC channel. */
import { PUSH_FROM_TYPES, PUSH_TO_TYPES, type PushFromGenerator, type PushToGenerator } from './measures/push-ipc.js';
import type { OpsReply, OpsRequest } from './measures/ops-protocol.js';
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
  /**
   * Run the closed loop from warmupAt to endAt (ms, performance.timeOrigin + performance.now()),
   * counting from startAt: what happens in the warm-up [warmupAt, startAt) is not measured.
   */
  | { type: 'start'; warmupAt: number; startAt: number; endAt: number }
  /** Open loop (open-loop-load.ts): log these users (whole pairs) in for rate windows, then answer `ready`. */
  | { type: 'open-setup'; users: UserSpec[]; loginConcurrency: number }
  /** Open loop: send `ratePerSec` messages a second over the users from startAt to endAt, then answer `open-result`. */
  | { type: 'open-window'; startAt: number; endAt: number; ratePerSec: number }
  /** Close every socket and exit. */
  | { type: 'close' }
  /** The push measures (measures/push-ipc.ts). */
  | PushToGenerator
  /** The operations measures (measures/ops-protocol.ts): answered by `ops-reply`. */
  | { type: 'ops'; request: OpsRequest };

/** generator → main */
export type FromGenerator =
  | { type: 'ready'; loginMs: number }
  /** After the window and its grace period. */
  | { type: 'result'; result: LoadResultData }
  /** After an open-loop window and its grace period; sendLag: histogram of how late sends left (ms). */
  | { type: 'open-result'; result: LoadResultData; sendLag: number[] }
  | { type: 'error'; message: string }
  | PushFromGenerator
  | { type: 'ops-reply'; reply: OpsReply };

const TO_TYPES = new Set<string>(['setup', 'start', 'close', 'open-setup', 'open-window', ...PUSH_TO_TYPES, 'ops']);
const FROM_TYPES = new Set<string>(['ready', 'result', 'error', 'open-result', ...PUSH_FROM_TYPES, 'ops-reply']);

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
