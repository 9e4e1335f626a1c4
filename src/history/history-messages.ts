import { isChatMessage } from '../../protocol/actions.js';
import { isRoomMessage } from '../../protocol/actions.js';
import type { HistoryMessage } from './history-order.js';

/**
 * A message in the shape history returns, whatever it came from (a recent-list entry, a MongoDB row
 * with `_id` and `conversation`), or null when it is not one: only the protocol's fields go out.
 */
export function toHistoryMessage(value: unknown): HistoryMessage | null {
  if (isChatMessage(value)) {
    const { id, from, to, message, format, ts } = value;
    return { id, from, to, message, format, ts };
  }
  if (isRoomMessage(value)) {
    const { id, room, from, message, format, ts } = value;
    return { id, room, from, message, format, ts };
  }
  return null;
}

/** Recent-list entries (message JSON); unreadable ones are skipped, so one bad entry cannot stop history. */
export function parseRecentEntries(texts: readonly string[]): HistoryMessage[] {
  const out: HistoryMessage[] = [];
  for (const text of texts) {
    const message = toHistoryMessage(parseJson(text));
    if (message) out.push(message);
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
