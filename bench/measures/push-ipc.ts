/**
 * Messages of the push measures between main and its generator processes. ipc.ts adds them to its
 * unions, so one generator process serves the scenarios and the measures alike.
 */
import type { UserSpec } from '../ipc.js';

/** A generator pushes to its users through the push API (HTTP), or by XADD to the push queue stream. */
export type PushTransport =
  /** `adminUrls`: the nodes' (or the raw relay's) push API; each push goes to one of them in turn. */
  | { kind: 'api'; adminUrls: string[]; token: string }
  /** `stream`: the push queue's key (`<REDIS_PREFIX>push-queue`). */
  | { kind: 'stream'; redisUrl: string; stream: string };

/** main → generator */
export type PushToGenerator =
  /** Open and log in these users (login only: they exist already), record every push; answer `ready`. */
  | { type: 'pushSetup'; users: UserSpec[]; loginConcurrency: number }
  /** Answer `broadcastArrivals` once every connection of this generator got broadcast `id`, or after `timeoutMs`. */
  | { type: 'awaitBroadcast'; id: string; timeoutMs: number }
  /** Answer `broadcastTally`. */
  | { type: 'tallyBroadcasts' }
  /** Push to this generator's own users from startAt to endAt, `concurrency` pushes in flight (closed loop); answer `result`. */
  | { type: 'pushToUsers'; transport: PushTransport; concurrency: number; startAt: number; endAt: number };

/** generator → main */
export type PushFromGenerator =
  /** When each connection first got the broadcast (ms, nowMs clock); connections without it are missing. */
  | { type: 'broadcastArrivals'; id: string; times: number[] }
  /** Per broadcast id, how many connections got it (at least once); and copies beyond the first, over all. */
  | { type: 'broadcastTally'; received: Record<string, number>; duplicates: number };

export const PUSH_TO_TYPES: readonly PushToGenerator['type'][] = ['pushSetup', 'awaitBroadcast', 'tallyBroadcasts', 'pushToUsers'];
export const PUSH_FROM_TYPES: readonly PushFromGenerator['type'][] = ['broadcastArrivals', 'broadcastTally'];

/** The push type of the measures' broadcasts, and of their pushes to users. */
export const BROADCAST_TYPE = 'bench-broadcast';
export const USER_PUSH_TYPE = 'bench-user';

export function isPushToGenerator(message: { type: string }): message is PushToGenerator {
  return (PUSH_TO_TYPES as readonly string[]).includes(message.type);
}
