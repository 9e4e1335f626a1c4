import type { Redis } from 'ioredis';
import type { NodeInfo } from './node-info.js';

/** One entry of the live server list the gateway reads: Redis hash `<prefix>servers`, field = node id. */
export interface ServerEntry {
  id: string;
  /** Where clients open their WebSocket (ws: or wss:). */
  clientUrl: string;
  role: 'leader' | 'follower';
  connections: number;
  /** When the leader last refreshed the entry, ms since the epoch; the gateway skips stale ones. */
  updatedAt: number;
}

/** Leader only: replaces the server list (hash `key`) with the live members and their loads. */
export async function writeServerList(redis: Redis, key: string, members: readonly NodeInfo[], leaderId: string, loadOf: (id: string) => number): Promise<void> {
  const now = Date.now();
  const live = new Set(members.map((m) => m.id));
  const stale = (await redis.hkeys(key)).filter((id) => !live.has(id));
  const entries: Record<string, string> = {};
  for (const member of members) {
    const entry: ServerEntry = { id: member.id, clientUrl: member.clientUrl, role: member.id === leaderId ? 'leader' : 'follower', connections: loadOf(member.id), updatedAt: now };
    entries[member.id] = JSON.stringify(entry);
  }
  const tx = redis.multi();
  if (stale.length) tx.hdel(key, ...stale);
  if (members.length) tx.hset(key, entries);
  await tx.exec();
}
