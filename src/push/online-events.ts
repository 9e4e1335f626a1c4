import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { EventData } from '../../protocol/actions.js';
import { listenToChannel } from '../storage/redis-channel.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { onlineCount } from './online-users.js';

/**
 * `online {count, joined, left}` events for connected clients. Each node announces on a Redis
 * channel who came online on it (a first device there) and who went (a last device, by logout, close
 * or kick); every node gathers what it hears and tells its own connections at most once per
 * `intervalMs`, with the cluster's count of online users. The full list is only sent on request
 * (`onlineUsers`), so 10k users never mean 10k-name frames per login.
 */
export class OnlineEvents {
  readonly #channel: string;
  #subscriber: Redis | null = null;
  #joined = new Set<string>();
  #left = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #lastSentAt = 0;
  #stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly intervalMs: number,
    private readonly liveNodes: () => string[],
    private readonly sendToAll: (event: EventData['online']) => void,
    private readonly logger: Logger,
  ) {
    this.#channel = `${keys.prefix}online`;
  }

  async start(): Promise<void> {
    const { connection, subscribed } = listenToChannel(this.redis, this.#channel, this.logger, { message: (text) => this.#heard(text) });
    this.#subscriber = connection;
    await subscribed;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#subscriber?.disconnect();
  }

  /** `user` (a key) came online on this node (`online`), or has no device left here. */
  announce(user: string, online: boolean): void {
    this.redis.publish(this.#channel, `${online ? '+' : '-'}${user}`).catch((err: unknown) => this.logger.debug('could not announce online change', { err: (err as Error).message }));
  }

  #heard(text: string): void {
    const user = text.slice(1);
    const [add, remove] = text.startsWith('+') ? [this.#joined, this.#left] : [this.#left, this.#joined];
    // Online and gone again within one interval (or the other way round): nothing to tell.
    if (!remove.delete(user)) add.add(user);
    if (this.#timer || this.#stopped) return;
    const wait = Math.max(0, this.#lastSentAt + this.intervalMs - Date.now());
    this.#timer = setTimeout(() => void this.#send(), wait);
    this.#timer.unref();
  }

  async #send(): Promise<void> {
    this.#timer = null;
    this.#lastSentAt = Date.now();
    const joined = [...this.#joined].sort();
    const left = [...this.#left].sort();
    this.#joined = new Set();
    this.#left = new Set();
    if (joined.length + left.length === 0) return;
    try {
      const count = await onlineCount(this.redis, this.keys, this.liveNodes());
      this.sendToAll({ count, joined, left });
    } catch (err) {
      this.logger.warn('could not count online users', { err: (err as Error).message });
    }
  }
}
