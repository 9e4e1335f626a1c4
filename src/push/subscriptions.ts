import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { listenToChannel } from '../storage/redis-channel.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import type { UserStore } from '../storage/user-store.js';

/** Users whose settings a node keeps at most; past it the cache starts again (they are reloaded on use). */
const MAX_CACHED_USERS = 100_000;

/** Users reloaded per MongoDB query after the channel came back. */
const RELOAD_CHUNK = 500;

/** What most users turned off: nothing. One shared set, not one per cached user. */
const NOTHING_OFF: ReadonlySet<string> = new Set();

/** The types a user turned off, as the cache keeps them. */
function offSet(types: readonly string[]): ReadonlySet<string> {
  return types.length === 0 ? NOTHING_OFF : new Set(types);
}

/**
 * Which push types each user turned off: stored in MongoDB (the user's `pushOff`), cached on every
 * node, and updated everywhere through a Redis channel when a user changes them (the message carries
 * the new settings), so a change takes effect on every node at once, without a reconnect. A node that
 * lost the channel may have missed changes: when it is back, every cached user is reloaded from
 * MongoDB. Until then the cached settings stay (a user who turned a type off is not counted as
 * subscribed meanwhile).
 */
export class Subscriptions {
  readonly #off = new Map<string, ReadonlySet<string>>();
  readonly #channel: string;
  #subscriber: Redis | null = null;
  /** Users whose change arrived while a reload ran: their message is newer than what the reload read. */
  #changedDuringReload: Set<string> | null = null;
  #reloadAgain = false;

  constructor(private readonly redis: Redis, keys: RedisKeys, private readonly users: UserStore, private readonly logger: Logger) {
    this.#channel = `${keys.prefix}subscriptions`;
  }

  async start(): Promise<void> {
    const { connection, subscribed } = listenToChannel(this.redis, this.#channel, this.logger, {
      message: (text) => this.#onChange(text),
      // After a reconnect we may have missed changes.
      ready: () => void this.#reloadAll(),
    });
    this.#subscriber = connection;
    await subscribed;
  }

  /** Another node changed a user's settings: the message carries them, so delivery here never has to wait for MongoDB. */
  #onChange(text: string): void {
    try {
      const { user, off } = JSON.parse(text) as { user: string; off: string[] };
      this.#changedDuringReload?.add(user);
      this.#remember(user, offSet(off));
    } catch {
      this.logger.warn('unreadable subscription change', { text: text.slice(0, 200) });
    }
  }

  /** Reads every cached user's settings again (once more if the channel dropped again meanwhile). */
  async #reloadAll(): Promise<void> {
    if (this.#changedDuringReload) {
      this.#reloadAgain = true;
      return;
    }
    do {
      this.#reloadAgain = false;
      const changed = (this.#changedDuringReload = new Set());
      try {
        await this.#reload(changed);
      } catch (err) {
        this.logger.warn('could not reload push settings; the cached ones stay until the next change', { err: (err as Error).message });
      } finally {
        this.#changedDuringReload = null;
      }
    } while (this.#reloadAgain);
  }

  /** One pass over the cache; a user no longer stored is dropped, one in `changed` keeps its newer message. */
  async #reload(changed: ReadonlySet<string>): Promise<void> {
    const users = [...this.#off.keys()];
    if (users.length === 0) return;
    for (let i = 0; i < users.length; i += RELOAD_CHUNK) {
      const chunk = users.slice(i, i + RELOAD_CHUNK);
      const stored = await this.users.pushOffOfMany(chunk);
      for (const user of chunk) {
        if (changed.has(user)) continue;
        const off = stored.get(user);
        if (off === undefined) this.#off.delete(user);
        else this.#off.set(user, offSet(off));
      }
    }
    this.logger.info('push settings reloaded after the subscription channel came back', { users: users.length });
  }

  #remember(user: string, off: ReadonlySet<string>): void {
    if (this.#off.size >= MAX_CACHED_USERS && !this.#off.has(user)) this.#off.clear();
    this.#off.set(user, off);
  }

  stop(): void {
    this.#subscriber?.disconnect();
    this.#subscriber = null;
  }

  /** The types `user` (a key) turned off; loads them when not cached. Null for an unknown user. */
  async off(user: string): Promise<ReadonlySet<string> | null> {
    const cached = this.#off.get(user);
    if (cached) return cached;
    const stored = await this.users.pushOff(user);
    if (stored === null) return null;
    const off = offSet(stored);
    this.#remember(user, off);
    return off;
  }

  /** For delivery, which must not wait: a user not cached (not logged in here) counts as subscribed. */
  isOffCached(user: string, type: string): boolean {
    return this.#off.get(user)?.has(type) ?? false;
  }

  /** Turns types on or off for `user`; every node hears of it. Returns the types now off. */
  async change(user: string, types: Readonly<Record<string, boolean>>): Promise<string[]> {
    const entries = Object.entries(types);
    await this.users.changePushOff(user, entries.filter(([, on]) => on).map(([type]) => type), entries.filter(([, on]) => !on).map(([type]) => type));
    const list = [...((await this.users.pushOff(user)) ?? [])].sort();
    this.#remember(user, offSet(list));
    await this.redis.publish(this.#channel, JSON.stringify({ user, off: list })).catch((err: unknown) => this.logger.warn('could not announce a subscription change', { err: (err as Error).message }));
    return list;
  }
}
