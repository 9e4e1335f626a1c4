import type { Collection, Db } from 'mongodb';
import type { Logger } from '../../core/logger.js';

export interface StoredMessage {
  _id: string;
  /** `u:<a>|<b>` for a private chat (names sorted), `r:<room>` for a room. */
  conversation: string;
  from: string;
  to: string;
  message: string;
  format: 'text';
  ts: number;
}

export function privateConversation(a: string, b: string): string {
  return a < b ? `u:${a}|${b}` : `u:${b}|${a}`;
}

export interface MessageStoreOptions {
  /** Messages accepted but not yet written; beyond it `hasRoom()` is false and senders get 503. */
  maxQueued: number;
  /** Largest insertMany. */
  batchSize: number;
  /** How long a message may wait for its batch to fill. */
  flushIntervalMs: number;
}

/**
 * Chat history in MongoDB. Writes are batched off the hot path: a chat is acknowledged once
 * delivered, and its history row follows within `flushIntervalMs` in one insertMany per batch.
 */
export class MessageStore {
  readonly #messages: Collection<StoredMessage>;
  #queue: StoredMessage[] = [];
  #flushing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(db: Db, private readonly options: MessageStoreOptions, private readonly logger: Logger) {
    this.#messages = db.collection<StoredMessage>('messages');
  }

  async ensureIndexes(): Promise<void> {
    await this.#messages.createIndex({ conversation: 1, ts: -1 }, { name: 'conversation_ts' });
  }

  hasRoom(): boolean {
    return this.#queue.length < this.options.maxQueued;
  }

  append(message: StoredMessage): void {
    this.#queue.push(message);
    if (this.#queue.length >= this.options.batchSize) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
  }

  /** Writes everything queued so far; safe to call at any time. */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#flushing) await this.#flushing;
    if (this.#queue.length === 0) return;
    const batch = this.#queue.splice(0, this.options.batchSize);
    this.#flushing = this.#write(batch).finally(() => (this.#flushing = null));
    await this.#flushing;
    if (this.#queue.length > 0) this.#timer ??= setTimeout(() => void this.flush(), this.options.flushIntervalMs);
  }

  async #write(batch: StoredMessage[]): Promise<void> {
    try {
      await this.#messages.insertMany(batch, { ordered: false });
    } catch (err) {
      const code = (err as { code?: number }).code;
      // 11000: part of the batch was written before (a retry); the rest went in.
      if (code === 11000) return;
      this.logger.error('history write failed, will retry', { err, count: batch.length });
      this.#queue.unshift(...batch);
      await new Promise((resolve) => setTimeout(resolve, this.options.flushIntervalMs * 10));
    }
  }
}
