import { isChatMessage } from '../../protocol/actions.js';
import { fieldOf, type StreamEntry } from '../inbox/inbox-entries.js';
import { isRoomMessage } from '../../protocol/actions.js';
import type { StoredMessage } from '../storage/message-store.js';

/** A batch of archive entries as rows: every entry id (to acknowledge), the rows, the ids that were no message. */
export interface ArchiveBatch {
  ids: string[];
  rows: StoredMessage[];
  unreadable: string[];
}

/**
 * Rows for MongoDB from archive stream entries (fields `c` conversation, `d` message JSON): a
 * private message (`u:` conversation, with `to`) or a room message (`r:` conversation, with `room`).
 * An entry that does not read as either (or that was deleted meanwhile: no fields) yields no row, so
 * one bad entry can never stop the archive; its id still comes back in `ids` to be acknowledged.
 */
export function archiveRows(entries: readonly [string, string[] | null][]): ArchiveBatch {
  const ids: string[] = [];
  const rows: StoredMessage[] = [];
  const unreadable: string[] = [];
  for (const [id, fields] of entries) {
    ids.push(id);
    if (!fields) continue;
    const row = rowOf(fieldOf(fields, 'c'), parse(fieldOf(fields, 'd')));
    if (row) rows.push(row);
    else unreadable.push(id);
  }
  return { ids, rows, unreadable };
}

/** The row of one entry; the conversation's kind decides which shape the message must have. */
function rowOf(conversation: string | undefined, data: unknown): StoredMessage | null {
  if (conversation?.startsWith('u:') && isChatMessage(data)) {
    const { id, from, to, message, format, ts } = data;
    return { _id: id, conversation, id, from, to, message, format, ts };
  }
  if (conversation?.startsWith('r:') && isRoomMessage(data)) {
    const { id, room, from, message, format, ts } = data;
    return { _id: id, conversation, id, room, from, message, format, ts };
  }
  return null;
}

function parse(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export type { StreamEntry };
