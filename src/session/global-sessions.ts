import type { ChainableCommander, Redis } from 'ioredis';
import { userKey } from '../../protocol/actions.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { deviceFieldNode, luaDeviceField, luaDeviceFieldNode, luaIsDeviceField } from './device-fields.js';

/** A user's cluster-wide session as stored in Redis. */
export interface GlobalSession {
  /** User key (case-folded name). */
  user: string;
  /** Node of the user's latest login that is still connected. */
  nodeId: string;
  loginAt: number;
  /** Open connections per node. */
  devices: Record<string, number>;
}

/** What one node holds of one user: used to write a node's whole share back at once. */
export interface SessionShare {
  /** Any spelling: it is case-folded into the key. */
  username: string;
  count: number;
  loginAt: number;
}

// One hash per user: nodeId, loginAt, and `dev:<node>` = `<connections>@<fence>`, where the fence
// is the ZooKeeper session of the node that wrote it. Keeping counts per node lets a node drop its
// share (logout, shutdown, death) without touching the other nodes' devices. ARGV[5] (fence to
// check), when set, removes the share only if it was written under that fence: the leader's
// clean-up of a dead node cannot remove what the node wrote after registering again.
const SET_NODE_DEVICES = `
local key, nodeUsers = KEYS[1], KEYS[2]
local node, count, loginAt, user, fence, onlyFence = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local field = ${luaDeviceField('node')}
if count > 0 then
  if loginAt ~= '' then redis.call('HSET', key, 'nodeId', node, 'loginAt', loginAt) end
  redis.call('HSET', key, field, count .. '@' .. fence)
  redis.call('SADD', nodeUsers, user)
  return 1
end
local current = redis.call('HGET', key, field)
-- A share written before its node knew its session ('<n>@') is the dead node's too.
if onlyFence ~= '' and current and string.sub(current, -1) ~= '@' and string.sub(current, -(#onlyFence + 1)) ~= '@' .. onlyFence then return 2 end
redis.call('HDEL', key, field)
redis.call('SREM', nodeUsers, user)
local other = nil
for _, f in ipairs(redis.call('HKEYS', key)) do
  if ${luaIsDeviceField('f')} then other = ${luaDeviceFieldNode('f')} break end
end
if not other then redis.call('DEL', key) return 0 end
if redis.call('HGET', key, 'nodeId') == node then redis.call('HSET', key, 'nodeId', other) end
return 1
`;

interface SessionCommands {
  zkchatSetNodeDevices(key: string, nodeUsersKey: string, nodeId: string, count: number, loginAt: string, user: string, fence: string, onlyFence: string): Promise<unknown>;
}

export class GlobalSessions {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {
    redis.defineCommand('zkchatSetNodeDevices', { numberOfKeys: 2, lua: SET_NODE_DEVICES });
  }

  /**
   * Records that `nodeId` now holds `count` connections of the user, under the node's `fence`.
   * `loginAt` marks a new login (the session then points at this node); 0 connections removes the share.
   */
  async setNodeDevices(username: string, nodeId: string, fence: string, count: number, loginAt?: number): Promise<void> {
    await this.#call(this.redis as unknown as SessionCommands, username, nodeId, fence, count, loginAt);
  }

  /** setNodeDevices queued on a transaction (login writes it together with the inbox position). */
  queueSetNodeDevices(transaction: ChainableCommander, username: string, nodeId: string, fence: string, count: number, loginAt?: number): void {
    void this.#call(transaction as unknown as SessionCommands, username, nodeId, fence, count, loginAt);
  }

  /** setNodeDevices for many users of one node, in one round trip. */
  async setNodeDevicesMany(nodeId: string, fence: string, shares: Iterable<SessionShare>): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const { username, count, loginAt } of shares) this.#call(pipeline as unknown as SessionCommands, username, nodeId, fence, count, loginAt);
    await pipeline.exec();
  }

  #call(target: SessionCommands, username: string, nodeId: string, fence: string, count: number, loginAt?: number, onlyFence = ''): Promise<unknown> {
    const user = userKey(username);
    return target.zkchatSetNodeDevices(this.keys.session(user), this.keys.nodeUsers(nodeId), nodeId, count, loginAt ? String(loginAt) : '', user, fence, onlyFence);
  }

  async get(username: string): Promise<GlobalSession | null> {
    const user = userKey(username);
    const hash = await this.redis.hgetall(this.keys.session(user));
    if (!hash.nodeId) return null;
    const devices: Record<string, number> = {};
    for (const [field, value] of Object.entries(hash)) {
      const node = deviceFieldNode(field);
      if (node !== null) devices[node] = Number.parseInt(value, 10);
    }
    return { user, nodeId: hash.nodeId, loginAt: Number(hash.loginAt ?? 0), devices };
  }

  /**
   * Removes the session shares of `nodeId` (its shutdown or restart, or its death seen by the leader).
   * With `fence`, only shares written under that ZooKeeper session go. Returns how many users lost one.
   */
  async removeNode(nodeId: string, fence?: string): Promise<number> {
    const users = await this.redis.smembers(this.keys.nodeUsers(nodeId));
    if (users.length === 0) return 0;
    const pipeline = this.redis.pipeline();
    const commands = pipeline as unknown as SessionCommands;
    for (const user of users) this.#call(commands, user, nodeId, '', 0, undefined, fence ?? '');
    const results = (await pipeline.exec()) ?? [];
    if (fence === undefined) await this.redis.del(this.keys.nodeUsers(nodeId));
    return results.filter(([err, value]) => !err && value !== 2).length;
  }
}
