import { MongoBulkWriteError, MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import type { ChatMessage, RoomMessage } from '../../protocol/actions.js';
import { newestFirst } from '../history/history-order.js';
import { DEFAULT_LIMITS } from '../limits.js';

interface StoredFields {
  /** The message id: writing a row twice (a retry, a taken-over batch) changes nothing. */
  _id: string;
  /** `u:<a>|<b>` for a private chat (user keys, sorted), `r:<room>` for a room. */
  conversation: string;
}

/** One archived message, as the history in MongoDB keeps it: a private row has `to`, a room row `room`. */
export type StoredChatMessage = ChatMessage & StoredFields;
export type StoredRoomMessage = RoomMessage & StoredFields;
export type StoredMessage = StoredChatMessage | StoredRoomMessage;

/** The conversation of two users (user keys), the same whoever writes first. */
export function privateConversation(a: string, b: string): string {
  return a < b ? `u:${a}|${b}` : `u:${b}|${a}`;
}

/** The conversation of a room (its room key). */
export function roomConversation(room: string): string {
  return `r:${room}`;
}

/** A place in a conversation's history, which is ordered by ts, ties by id: a page holds what is strictly older. */
export interface HistoryPosition {
  ts: number;
  id: string;
}

const DUPLICATE_KEY = 11000;

/** The chat history archive in MongoDB. Only the archive writer writes here, never the chat path. */
export class MessageStore {
  readonly #messages: Collection<StoredMessage>;

  /** `maxTimeMs`: the server-side time limit of each history query. */
  constructor(db: Db, private readonly maxTimeMs = DEFAULT_LIMITS.backend.mongoMaxTimeMs) {
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

  /**
   * The newest `limit` messages of the conversation strictly older than `before` (from the newest
   * when null), newest first by (ts, _id). Every query has an exact `{conversation, ts}` index bound
   * and reads that index in order, so none sorts more than one ts's rows: the ties on `before.ts`
   * with a smaller id, and `limit + 1` rows by ts below it, sent together; only when those end in
   * the middle of one ts (rare: ties are messages of one millisecond) is that ts read again, by id.
   */
  async olderThan(conversation: string, before: HistoryPosition | null, limit: number): Promise<StoredMessage[]> {
    const [ties, older] = await Promise.all([
      before === null ? [] : this.#find({ conversation, ts: before.ts, _id: { $lt: before.id } }, { _id: -1 }, limit),
      this.#find(before === null ? { conversation } : { conversation, ts: { $lt: before.ts } }, { ts: -1 }, limit + 1),
    ]);
    const cut = older.length > limit && older[limit - 1]?.ts === older[limit]?.ts ? older[limit]!.ts : null;
    const rows = cut === null ? older.slice(0, limit) : [...older.filter((row) => row.ts !== cut), ...(await this.#find({ conversation, ts: cut }, { _id: -1 }, limit))];
    return [...ties, ...rows.sort(newestFirst)].slice(0, limit); // rows' `id` is their `_id`
  }

  #find(filter: Filter<StoredMessage>, sort: { ts: -1 } | { _id: -1 }, limit: number): Promise<StoredMessage[]> {
    return this.#messages.find(filter, { sort, limit, maxTimeMS: this.maxTimeMs }).toArray();
  }
}

function onlyDuplicates(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
  }
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}
