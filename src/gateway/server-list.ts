import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { withTimeout } from '../../core/with-timeout.js';
import { isWebSocketUrl } from '../cluster/node-info.js';
import type { ServerEntry } from '../cluster/server-list.js';
import { RedisKeys } from '../storage/redis-keys.js';

export type { ServerEntry };

/** Result of checking one hash field: the entry, or why it was rejected. */
export type ParsedEntry = { ok: true; entry: ServerEntry } | { ok: false; reason: string };

/** Validates one field of the hash; never throws, whatever the leader (or anyone) wrote. */
export function parseServerEntry(field: string, raw: string): ParsedEntry {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const { id, clientUrl, role, connections, updatedAt } = value as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') return { ok: false, reason: 'id is not a non-empty string' };
  if (id !== field) return { ok: false, reason: 'id does not match its hash field' };
  if (typeof clientUrl !== 'string' || !isWebSocketUrl(clientUrl)) return { ok: false, reason: 'clientUrl is not a ws: or wss: URL' };
  if (role !== 'leader' && role !== 'follower') return { ok: false, reason: 'role is neither leader nor follower' };
  if (typeof connections !== 'number' || !Number.isInteger(connections) || connections < 0) {
    return { ok: false, reason: 'connections is not a non-negative integer' };
  }
  if (typeof updatedAt !== 'number' || !Number.isFinite(updatedAt)) return { ok: false, reason: 'updatedAt is not a number' };
  return { ok: true, entry: { id, clientUrl, role, connections, updatedAt } };
}

/**
 * Entries the leader refreshed within `staleMs`, sorted by id. An entry from the future
 * (clocks a little apart) counts as live.
 */
export function liveServers(entries: readonly ServerEntry[], now: number, staleMs: number): ServerEntry[] {
  return entries.filter((entry) => now - entry.updatedAt <= staleMs).sort((a, b) => compareIds(a.id, b.id));
}

/**
 * The node a new client should use: the live follower with the fewest connections, ties
 * going to the smallest id so the answer is deterministic. Followers come first because
 * the leader also does the cluster's bookkeeping; it only takes clients when no follower
 * is alive. `undefined` when nothing is alive.
 */
export function pickServer(
  entries: readonly ServerEntry[],
  now: number,
  staleMs: number,
  extraLoad: (entry: ServerEntry) => number = () => 0,
): ServerEntry | undefined {
  const live = liveServers(entries, now, staleMs);
  const followers = live.filter((entry) => entry.role === 'follower');
  const candidates = followers.length > 0 ? followers : live.filter((entry) => entry.role === 'leader');
  const load = (entry: ServerEntry) => entry.connections + extraLoad(entry);
  // `live` is sorted by id and reduce keeps the first of equals, so ties go to the smallest id.
  return candidates.reduce<ServerEntry | undefined>((best, entry) => (best === undefined || load(entry) < load(best) ? entry : best), undefined);
}

/**
 * Clients this gateway sent to each node since the leader last refreshed its entry. The list is
 * refreshed about once a second; without this, every client of a burst in between would be sent
 * to the same node.
 */
export class RecentPicks {
  readonly #picks = new Map<string, { updatedAt: number; count: number }>();

  /** Picks not yet reflected in `entry.connections`. */
  extraLoad(entry: ServerEntry): number {
    const picks = this.#picks.get(entry.id);
    return picks && picks.updatedAt === entry.updatedAt ? picks.count : 0;
  }

  record(entry: ServerEntry): void {
    const picks = this.#picks.get(entry.id);
    if (picks && picks.updatedAt === entry.updatedAt) picks.count++;
    else this.#picks.set(entry.id, { updatedAt: entry.updatedAt, count: 1 });
  }

  /** Forgets nodes that left the list, so the map stays as small as the cluster. */
  retain(entries: readonly ServerEntry[]): void {
    const ids = new Set(entries.map((entry) => entry.id));
    for (const id of this.#picks.keys()) if (!ids.has(id)) this.#picks.delete(id);
  }
}

// Plain code-unit order: the same in every locale, unlike localeCompare.
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The server list cannot be read (Redis down or too slow); the caller answers 503. */
export class ServerListUnavailableError extends Error {
  constructor(cause: string) {
    super(`the server list cannot be read: ${cause}`);
    this.name = 'ServerListUnavailableError';
  }
}

/** Reads the leader's server list from Redis, skipping entries that are not valid. */
export class ServerListReader {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    redisPrefix: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {
    this.key = new RedisKeys(redisPrefix).servers;
  }

  /** Every valid entry, live or not. Throws ServerListUnavailableError when Redis cannot answer. */
  async read(): Promise<ServerEntry[]> {
    const hash = await this.ask(() => this.redis.hgetall(this.key));
    const entries: ServerEntry[] = [];
    for (const [field, raw] of Object.entries(hash)) {
      const parsed = parseServerEntry(field, raw);
      if (parsed.ok) entries.push(parsed.entry);
      else this.logger.debug('skipping malformed server entry', { key: this.key, field, reason: parsed.reason });
    }
    return entries;
  }

  /** True when Redis answers a PING in time. */
  async isRedisUp(): Promise<boolean> {
    try {
      await this.ask(() => this.redis.ping());
      return true;
    } catch {
      return false;
    }
  }

  private async ask<T>(command: () => Promise<T>): Promise<T> {
    // While ioredis reconnects it would queue the command and retry it; a client waiting for
    // an address is better served by an immediate 503 it can retry.
    if (this.redis.status !== 'ready') throw new ServerListUnavailableError(`Redis is ${this.redis.status}`);
    try {
      return await withTimeout(command(), this.timeoutMs, () => new ServerListUnavailableError(`Redis did not answer within ${this.timeoutMs} ms`));
    } catch (err) {
      if (err instanceof ServerListUnavailableError) throw err;
      throw new ServerListUnavailableError(err instanceof Error ? err.message : String(err));
    }
  }
}
