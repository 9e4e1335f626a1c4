import type { Redis } from 'ioredis';
import { userKey } from '../../protocol/actions.js';
import type { RedisKeys } from './redis-keys.js';
import type { UserStore } from './user-store.js';

/**
 * Which users exist, and how each spells their name, as a Redis hash in front of MongoDB: the chat
 * script checks its recipient there in the same round trip, so MongoDB is asked only the first time
 * a name is seen (read-through), never per message.
 */
export class UserDirectory {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly users: UserStore) {}

  /** The stored spelling of `username`, or null when there is no such user. */
  async spelling(username: string): Promise<string | null> {
    const cached = await this.redis.hget(this.keys.users, userKey(username));
    if (cached !== null) return cached;
    const stored = await this.users.spelling(username);
    if (stored !== null) await this.remember(stored);
    return stored;
  }

  /** Records a user that exists (after registering, or after MongoDB confirmed it). */
  async remember(spelling: string): Promise<void> {
    await this.redis.hset(this.keys.users, userKey(spelling), spelling);
  }
}
