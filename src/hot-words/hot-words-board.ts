import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { RedisKeys } from '../storage/redis-keys.js';

/** The hot-words board in Redis: counted from archived messages, cleared by the leader every period. */
export class HotWordsBoard {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly resetMs: number,
    private readonly logger: Logger,
  ) {}

  async top(limit: number): Promise<{ word: string; count: number }[]> {
    void this.redis;
    void this.keys;
    void this.resetMs;
    void this.logger;
    void limit;
    return [];
  }

  /** Called when this node gains or loses the leadership: only the leader runs the reset timer. */
  setLeader(isLeader: boolean): void {
    void isLeader;
  }

  stop(): void {}
}
