import { isChatMessage } from '../../protocol/actions.js';
import { fieldOf, type StreamEntry } from '../inbox/inbox-entries.js';
import type { StoredMessage } from '../storage/message-store.js';

/**
 * Rows for MongoDB from archive stream entries (fields `c` conversation, `d` message JSON). An entry
 * that does not read as a message (or that was deleted meanwhile: no fields) yields no row, so one bad
 * entry can never stop the archive; its id still comes back in `ids` to be acknowledged.
 */
export function archiveRows(entries: readonly [string, string[] | null][]): { ids: string[]; rows: StoredMessage[]; unreadable: string[] } {
  const ids: string[] = [];
  const rows: StoredMessage[] = [];
  const unreadable: string[] = [];
  for (const [id, fields] of entries) {
    ids.push(id);
    if (!fields) continue;
    const conversation = fieldOf(fields, 'c');
    const data = parse(fieldOf(fields, 'd'));
    if (conversation === undefined || !isChatMessage(data)) {
      unreadable.push(id);
      continue;
    }
    const { id: messageId, from, to, message, format, ts } = data;
    rows.push({ _id: messageId, conversation, id: messageId, from, to, message, format, ts });
  }
  return { ids, rows, unreadable };
}

function parse(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

export type { StreamEntry };
