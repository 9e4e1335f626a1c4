import type { Redis } from 'ioredis';
import type { RedisKeys } from '../storage/redis-keys.js';

export interface OnlinePage {
  count: number;
  users: string[];
  /** Pass as `cursor` for the next page; null: this was the last. */
  next: string | null;
}

/** Users (keys) with a device on a live node: the union of the live nodes' user sets. */
export async function onlineUsers(redis: Redis, keys: RedisKeys, liveNodes: readonly string[]): Promise<string[]> {
  const sets = liveNodes.map((node) => keys.nodeUsers(node));
  return sets.length === 0 ? [] : redis.sunion(...sets);
}

/** Counts the union inside Redis: a count for every client's `online` event must not ship every name to each node. */
const COUNT_UNION = "return #redis.call('SUNION', unpack(KEYS))";

/** How many users (keys) have a device on a live node. */
export async function onlineCount(redis: Redis, keys: RedisKeys, liveNodes: readonly string[]): Promise<number> {
  const sets = liveNodes.map((node) => keys.nodeUsers(node));
  if (sets.length === 0) return 0;
  if (sets.length === 1) return redis.scard(sets[0]!);
  return Number(await redis.eval(COUNT_UNION, sets.length, ...sets));
}

/** One page of the online users, sorted, `limit` after `cursor`. */
export async function onlineUsersPage(redis: Redis, keys: RedisKeys, liveNodes: readonly string[], cursor: string | undefined, limit: number): Promise<OnlinePage> {
  const all = (await onlineUsers(redis, keys, liveNodes)).sort();
  const start = cursor === undefined ? 0 : upperBound(all, cursor);
  const users = all.slice(start, start + limit);
  return { count: all.length, users, next: start + limit < all.length ? users.at(-1)! : null };
}

/** Index of the first entry greater than `value` in a sorted array. */
function upperBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
