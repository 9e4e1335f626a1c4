import { MongoBulkWriteError, MongoServerError, type Collection, type Db, type Filter } from 'mongodb';
import type { ChatMessage, RoomMessage } from '../../protocol/actions.js';
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

/** A place in a conversation's history order, (ts, id) descending: history pages strictly older than it. */
export interface HistoryPosition {
  ts: number;
  id: string;
}

const DUPLICATE_KEY = 11000;
/** The index history pages read: by conversation, newest first, ties on ts by id (see olderThan). */
const HISTORY_INDEX = { conversation: 1, ts: -1, _id: -1 } as const;
/** The index before ties were ordered by id; it is a prefix of HISTORY_INDEX, so it only costs writes. */
const OLD_HISTORY_INDEX_NAME = 'conversation_ts';

/** The chat history archive in MongoDB. Only the archive writer writes here, never the chat path. */
export class MessageStore {
  readonly #messages: Collection<StoredMessage>;

  /** `maxTimeMs`: the server-side time limit of each history query. */
  constructor(db: Db, private readonly maxTimeMs = DEFAULT_LIMITS.backend.mongoMaxTimeMs) {
    this.#messages = db.collection<StoredMessage>('messages');
  }

  async ensureIndexes(): Promise<void> {
    await this.#messages.createIndex(HISTORY_INDEX, { name: 'conversation_ts_id' });
    // Best effort: absent on new databases, and several nodes may race to drop it.
    await this.#messages.dropIndex(OLD_HISTORY_INDEX_NAME).catch(() => undefined);
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
   * The newest `limit` messages of the conversation strictly older than `before` (all of them when
   * null), newest first, ordered by (ts, _id) descending. Two queries with exact bounds on the
   * `{conversation, ts, _id}` index, sent together: the ties on `before.ts` with a smaller id, and
   * everything with a smaller ts. One `$or` would do, but whether a planner merges its branches in
   * index order instead of sorting every older row is up to the server.
   */
  async olderThan(conversation: string, before: HistoryPosition | null, limit: number): Promise<StoredMessage[]> {
    if (before === null) return this.#find({ conversation }, limit);
    const [ties, older] = await Promise.all([
      this.#find({ conversation, ts: before.ts, _id: { $lt: before.id } }, limit),
      this.#find({ conversation, ts: { $lt: before.ts } }, limit),
    ]);
    return [...ties, ...older].slice(0, limit);
  }

  #find(filter: Filter<StoredMessage>, limit: number): Promise<StoredMessage[]> {
    return this.#messages.find(filter, { sort: { ts: -1, _id: -1 }, limit, maxTimeMS: this.maxTimeMs }).toArray();
  }
}

function onlyDuplicates(err: unknown): boolean {
  if (err instanceof MongoBulkWriteError) {
    const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
    return errors.length > 0 && errors.every((e) => e.code === DUPLICATE_KEY);
  }
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}
