import type { Redis } from 'ioredis';
import type { RedisKeys } from '../storage/redis-keys.js';

/** Deletes a node's entry only if it still names the given session (a rejoined node wrote a newer one). */
const FORGET_IF = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

interface FenceCommands {
  zkchatForgetFence(key: string, nodeId: string, fence: string): Promise<number>;
}

/**
 * The ZooKeeper session under which each node last registered, in Redis. A leader that takes over
 * learns from it which nodes died before its time, and under which session they wrote their
 * sessions, so its clean-up removes only those.
 */
export class NodeFences {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {
    redis.defineCommand('zkchatForgetFence', { numberOfKeys: 1, lua: FORGET_IF });
  }

  record(nodeId: string, fence: string): Promise<unknown> {
    return this.redis.hset(this.keys.nodeFences, nodeId, fence);
  }

  all(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.keys.nodeFences);
  }

  async forget(nodeId: string, fence: string): Promise<void> {
    await (this.redis as unknown as FenceCommands).zkchatForgetFence(this.keys.nodeFences, nodeId, fence);
  }
}
