import type { Redis } from 'ioredis';
import { badRequest } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { HistoryPage } from '../../protocol/actions.js';
import type { MessageStore } from '../storage/message-store.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { parseRecentEntries, toHistoryMessage } from './history-messages.js';
import { parseCursor, type HistoryMessage } from './history-order.js';
import { finishPage, planPage } from './history-page.js';

/**
 * Pages of a conversation's history: the Redis recent list first, MongoDB beyond it (see
 * history-page.ts for where one ends and the other begins). A page the list can answer alone never
 * touches MongoDB, so recent history keeps working while MongoDB is down; any other page needs it
 * (its errors reach the client as 503).
 */
export class HistoryReader {
  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly store: MessageStore,
    private readonly logger: Logger,
  ) {}

  /** `conversation`: `u:<a>|<b>` or `r:<room key>` (see message-store.ts). `before`: a page's `next`. */
  async page(conversation: string, before: string | undefined, limit: number): Promise<HistoryPage> {
    const position = before === undefined ? null : parseCursor(before);
    if (before !== undefined && position === null) throw badRequest('data.before is not the next of a history page');
    // The whole list: at most 2 × RECENT_PER_CONVERSATION entries, and its oldest ts decides what it is sure of.
    const recent = parseRecentEntries(await this.redis.lrange(`${this.keys.prefix}recent:${conversation}`, 0, -1));
    const plan = planPage(recent, position, limit);
    if (plan.complete) return plan.page;
    const rows = await this.store.olderThan(conversation, plan.archiveBefore, plan.need + 1);
    const archived: HistoryMessage[] = [];
    for (const row of rows) {
      const message = toHistoryMessage(row);
      if (message) archived.push(message);
      else this.logger.warn('history: skipping an unreadable archived row', { conversation, id: row._id });
    }
    return finishPage(plan, archived);
  }
}
