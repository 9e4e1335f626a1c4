import type { ChatMessage, RoomMessage } from '../../protocol/actions.js';
import type { HistoryPosition } from '../storage/message-store.js';

/** A message as history returns it: private (`to`) or room (`room`). */
export type HistoryMessage = ChatMessage | RoomMessage;

/**
 * History order: by ts, ties by id. Ids compare as UTF-8 bytes, which is how MongoDB compares
 * strings (simple collation), so Redis and MongoDB candidates sort alike (for the UUIDs message ids
 * are, this is plain string order).
 */
export function compareKeys(a: HistoryPosition, b: HistoryPosition): number {
  if (a.ts !== b.ts) return a.ts < b.ts ? -1 : 1;
  return a.id === b.id ? 0 : Buffer.compare(Buffer.from(a.id), Buffer.from(b.id));
}

/** Newest first. */
export function newestFirst(a: HistoryPosition, b: HistoryPosition): number {
  return compareKeys(b, a);
}

/** Whether `m` comes strictly before `position` (null: the end of the history, after everything). */
export function isOlder(m: HistoryPosition, position: HistoryPosition | null): boolean {
  return position === null || compareKeys(m, position) < 0;
}

const CURSOR = /^(\d{1,16}):(.+)$/s;

/** The `next` of a page: the position of its oldest message. Opaque to clients. */
export function formatCursor(m: HistoryPosition): string {
  return `${m.ts}:${m.id}`;
}

/** A `before` as written by formatCursor, or null when it is not one. */
export function parseCursor(text: string): HistoryPosition | null {
  const match = CURSOR.exec(text);
  if (!match) return null;
  const ts = Number(match[1]);
  return Number.isSafeInteger(ts) ? { ts, id: match[2] ?? '' } : null;
}
