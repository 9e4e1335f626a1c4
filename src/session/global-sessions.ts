import type { Redis } from 'ioredis';

/** A user's cluster-wide session as stored in Redis. */
export interface GlobalSession {
  username: string;
  /** Node of the user's latest login that is still connected. */
  nodeId: string;
  loginAt: number;
  /** Open connections per node. */
  devices: Record<string, number>;
}

// One hash per user: nodeId, loginAt, and `dev:<node>` = that node's open connections.
// Keeping counts per node lets a node drop its share (logout, shutdown, death) without
// touching the other nodes' devices.
const SET_NODE_DEVICES = `
local key, node, count, loginAt, nodeUsers, user = KEYS[1], ARGV[1], tonumber(ARGV[2]), ARGV[3], KEYS[2], ARGV[4]
if count > 0 then
  if loginAt ~= '' then redis.call('HSET', key, 'nodeId', node, 'loginAt', loginAt) end
  redis.call('HSET', key, 'dev:' .. node, count)
  redis.call('SADD', nodeUsers, user)
  return 1
end
redis.call('HDEL', key, 'dev:' .. node)
redis.call('SREM', nodeUsers, user)
local fields = redis.call('HKEYS', key)
local other = nil
for _, f in ipairs(fields) do
  if string.sub(f, 1, 4) == 'dev:' then other = string.sub(f, 5) break end
end
if not other then redis.call('DEL', key) return 0 end
if redis.call('HGET', key, 'nodeId') == node then redis.call('HSET', key, 'nodeId', other) end
return 1
`;

export class GlobalSessions {
  constructor(private readonly redis: Redis, private readonly prefix: string) {
    redis.defineCommand('zkchatSetNodeDevices', { numberOfKeys: 2, lua: SET_NODE_DEVICES });
  }

  #key(username: string): string {
    return `${this.prefix}session:${username}`;
  }

  #nodeUsersKey(nodeId: string): string {
    return `${this.prefix}node-users:${nodeId}`;
  }

  /**
   * Records that `nodeId` now holds `count` connections of the user. `loginAt` marks a new
   * login (the session then points at this node); 0 connections removes the node's share.
   */
  async setNodeDevices(username: string, nodeId: string, count: number, loginAt?: number): Promise<void> {
    const commands = this.redis as unknown as SessionCommands;
    await commands.zkchatSetNodeDevices(this.#key(username), this.#nodeUsersKey(nodeId), nodeId, String(count), loginAt ? String(loginAt) : '', username);
  }

  /** setNodeDevices for many users of one node, in one round trip. */
  async setNodeDevicesMany(nodeId: string, shares: Iterable<{ username: string; count: number; loginAt: number }>): Promise<void> {
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as SessionCommands;
    for (const { username, count, loginAt } of shares) {
      commands.zkchatSetNodeDevices(this.#key(username), this.#nodeUsersKey(nodeId), nodeId, String(count), String(loginAt), username);
    }
    await pipeline.exec();
  }

  async get(username: string): Promise<GlobalSession | null> {
    const hash = await this.redis.hgetall(this.#key(username));
    if (!hash.nodeId) return null;
    const devices: Record<string, number> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('dev:')) devices[field.slice(4)] = Number(value);
    }
    return { username, nodeId: hash.nodeId, loginAt: Number(hash.loginAt ?? 0), devices };
  }

  /** Removes every session share held by `nodeId` (its shutdown, or its death seen by the leader). */
  async removeNode(nodeId: string): Promise<number> {
    const users = await this.redis.smembers(this.#nodeUsersKey(nodeId));
    if (users.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    for (const user of users) {
      (pipeline as unknown as SessionCommands).zkchatSetNodeDevices(this.#key(user), this.#nodeUsersKey(nodeId), nodeId, '0', '', user);
    }
    await pipeline.exec();
    await this.redis.del(this.#nodeUsersKey(nodeId));
    return users.length;
  }
}

interface SessionCommands {
  zkchatSetNodeDevices(key: string, nodeUsersKey: string, nodeId: string, count: string, loginAt: string, username: string): Promise<unknown>;
}
