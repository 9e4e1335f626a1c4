import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.js';
import type { MessageStore, StoredMessage } from '../storage/message-store.js';
import type { HotWordsBoard } from '../hot-words/hot-words-board.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { ConsumerGroup } from '../storage/consumer-group.js';
import { archiveRows, type ArchiveBatch } from './archive-entries.js';

export interface ArchiveWriterOptions {
  /** This writer's consumer name in the group: the node id, so a restarted node finishes its own batch. */
  consumer: string;
  batchSize: number;
  /** Entries another writer took but left unacknowledged this long are taken over. */
  claimIdleMs: number;
  retryMs: number;
  lagLogIntervalMs: number;
}


const GROUP = 'archive';
/** How long one blocking read waits for new entries; also how long stop() may wait for it. */
const BLOCK_MS = 1000;

/**
 * Drains the archive stream into MongoDB through a consumer group: every node runs one, each entry
 * goes to one writer, and is acknowledged and deleted only after MongoDB has it. Rows are written
 * idempotently by message id, so a batch written twice (a retry, a crash before the ack, a batch
 * taken over from a dead writer) is still one row per message.
 */
export class ArchiveWriter {
  #stopped = false;
  #loop: Promise<void> | null = null;
  #lagTimer: NodeJS.Timeout | null = null;
  readonly #group: ConsumerGroup;

  /** `redis` for acks and checks; `blocking` is a connection of its own for the blocking reads. */
  constructor(
    private readonly redis: Redis,
    blocking: Redis,
    private readonly keys: RedisKeys,
    private readonly store: MessageStore,
    private readonly options: ArchiveWriterOptions,
    private readonly logger: Logger,
    /** Counts the words of every newly read message (each message is read as new once). */
    private readonly hotWords?: HotWordsBoard,
  ) {
    this.#group = new ConsumerGroup(redis, blocking, keys.archive, GROUP, options.consumer, options.batchSize, options.claimIdleMs, BLOCK_MS);
  }

  async start(): Promise<void> {
    await this.#group.ensure();
    this.#loop = this.#run();
    this.#lagTimer = setInterval(() => void this.#reportLag(), this.options.lagLogIntervalMs);
    this.#lagTimer.unref();
  }

  /** Entries not yet in MongoDB (read or not). */
  backlog(): Promise<number> {
    return this.redis.xlen(this.keys.archive);
  }

  /**
   * Finishes the batch in hand (if MongoDB takes it) and stops reading. What is left stays in the
   * stream: this node's next start, or another node's writer, writes it.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#lagTimer) clearInterval(this.#lagTimer);
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const { entries, source } = await this.#group.next();
        if (entries.length === 0) continue;
        if (source === 'claimed') this.logger.info('archive: took over entries of a writer that stopped', { entries: entries.length });
        const batch = archiveRows(entries);
        if (source === 'new') await this.#countWords(batch.rows);
        await this.#write(batch);
      } catch (err) {
        if (this.#stopped) break;
        if (ConsumerGroup.isNoGroup(err)) await this.#group.ensure().catch(() => undefined);
        this.logger.warn('archive read failed; retrying', { err: (err as Error).message });
        await sleep(this.options.retryMs);
      }
    }
  }

  /**
   * Adds the words of a batch read for the first time ('>') to the hot-words board, before MongoDB
   * gets it, so the board does not wait for MongoDB. Entries read again (this node's leftovers after
   * a restart, a retried write) or taken over from another writer were counted when first read, so a
   * message counts at most once: a failed count is not retried (it may have been applied), and a
   * writer that dies between reading and counting loses that batch's words, never doubles them.
   */
  async #countWords(rows: readonly StoredMessage[]): Promise<void> {
    if (!this.hotWords || rows.length === 0) return;
    try {
      await this.hotWords.count(rows.map((row) => row.message));
    } catch (err) {
      this.logger.warn('hot words: could not count a batch', { err: (err as Error).message, messages: rows.length });
    }
  }

  async #write({ ids, rows, unreadable }: ArchiveBatch): Promise<void> {
    if (unreadable.length > 0) this.logger.error('archive: skipping unreadable entries', { ids: unreadable });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.store.insertIdempotent(rows);
        break;
      } catch (err) {
        this.logger.warn('archive: MongoDB write failed; will retry', { err: (err as Error).message, rows: rows.length, attempt });
        if (this.#stopped) return; // left pending: written by our next start or taken over
        await sleep(this.options.retryMs);
        // Still ours: reset the entries' idle time so no other writer takes them over meanwhile.
        await this.#group.keep(ids).catch(() => undefined);
      }
    }
    // Acknowledge and delete together, so the stream's length is exactly what is not in MongoDB yet.
    await this.#group.ackAndDelete(ids);
  }

  async #reportLag(): Promise<void> {
    try {
      const [backlog, oldest] = await Promise.all([this.backlog(), this.redis.xrange(this.keys.archive, '-', '+', 'COUNT', 1)]);
      const oldestId = oldest[0]?.[0];
      const oldestAgeMs = oldestId ? Date.now() - Number.parseInt(oldestId, 10) : 0;
      if (oldestAgeMs > this.options.lagLogIntervalMs) this.logger.warn('archive is behind', { backlog, oldestAgeMs });
    } catch {
      // Redis unreachable: the chat path reports that already.
    }
  }
}
