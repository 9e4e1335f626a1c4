import { MongoBulkWriteError, MongoServerError, type Collection, type Db } from 'mongodb';
import type { ChatMessage } from '../../protocol/actions.js';

/** One archived message, as the history in MongoDB keeps it. */
export interface StoredMessage extends ChatMessage {
  /** The message id: writing a row twice (a retry, a taken-over batch) changes nothing. */
  _id: string;
  /** `u:<a>|<b>` for a private chat (user keys, sorted), `r:<room>` for a room. */
  conversation: string;
}

/** The conversation of two users (user keys), the same whoever writes first. */
export function privateConversation(a: string, b: string): string {
  return a < b ? `u:${a}|${b}` : `u:${b}|${a}`;
}

const DUPLICATE_KEY = 11000;

/** The chat history archive in MongoDB. Only the archive writer writes here, never the chat path. */
export class MessageStore {
  readonly #messages: Collection<StoredMessage>;

  constructor(db: Db) {
    this.#messages = db.collection<StoredMessage>('messages');
  }

  async ensureIndexes(): Promise<void> {
    await this.#messages.createIndex({ conversation: 1, ts: -1 }, { name: 'conversation_ts' });
  }

  /**
   * Writes the rows, skipping those already there (by `_id`). Resolves once every row is stored;
   * rejects on anything but duplicates, and the caller writes the whole batch again.
   */
  async insertIdempotent(rows: StoredMessage[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.#messages.insertMany(rows, { ordered: false });
    } catch (err) {
      if (onlyDuplicates(err)) return;
      throw err;
    }
  }
}

function onlyDuplicates(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
  }
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}
