/** Sizes of the push measures, from the environment (checked before the bench starts, read again when a measure starts). */
import { int } from '../settings.js';
import { CONNECTIONS_PER_GENERATOR } from './push-rig.js';

/** Generators the push measures may fork at most (CONNECTIONS_PER_GENERATOR connections each). */
const MAX_GENERATORS = 8;

export interface BroadcastSizes {
  /** Logged-in connections (one per user) over three chat nodes. */
  connections: number;
  /** Broadcasts, one after another: each waits until every connection got the one before. */
  broadcasts: number;
}

export interface PushUserSizes {
  /** Users (one connection each) over three chat nodes. */
  users: number;
  /** Pushes in flight at once (closed loop). */
  concurrency: number;
}

export function broadcastSizes(): BroadcastSizes {
  return {
    connections: int('BENCH_BROADCAST_CONNECTIONS', 3000, 1, MAX_GENERATORS * CONNECTIONS_PER_GENERATOR),
    broadcasts: int('BENCH_BROADCASTS', 20, 1, 10_000),
  };
}

export function pushUserSizes(): PushUserSizes {
  return {
    users: int('BENCH_PUSH_USERS', 300, 1, MAX_GENERATORS * CONNECTIONS_PER_GENERATOR),
    concurrency: int('BENCH_PUSH_CONCURRENCY', 64, 1, 10_000),
  };
}
