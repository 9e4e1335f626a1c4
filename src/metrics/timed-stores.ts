import type { Db } from 'mongodb';
import { performance } from 'node:perf_hooks';
import { MessageStore, type HistoryPosition, type StoredMessage } from '../storage/message-store.js';

export type CallObserver = (op: string, seconds: number) => void;

/** Settles like `call()`, and reports how long it took (failures too: a timeout is a latency). */
export async function timed<T>(observe: CallObserver, op: string, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    observe(op, (performance.now() - started) / 1000);
  }
}

/** The message store with its two busy MongoDB calls timed: the archive's batch insert and history pages. */
export class TimedMessageStore extends MessageStore {
  constructor(db: Db, maxTimeMs: number, private readonly observe: CallObserver) {
    super(db, maxTimeMs);
  }

  override insertIdempotent(rows: StoredMessage[]): Promise<void> {
    return timed(this.observe, 'archive_insert', () => super.insertIdempotent(rows));
  }

  override olderThan(conversation: string, before: HistoryPosition | null, limit: number): Promise<StoredMessage[]> {
    return timed(this.observe, 'history_page', () => super.olderThan(conversation, before, limit));
  }
}
