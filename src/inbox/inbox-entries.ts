import { isChatMessage, isDeliveredReceipt, isPushMessage, type InboxEvent } from '../../protocol/actions.js';

/** A stream entry as Redis returns it: `[id, [field, value, field, value, ...]]`. */
export type StreamEntry = [id: string, fields: string[]];

/** The value of `field` in a flat field/value list. */
export function fieldOf(fields: readonly string[], field: string): string | undefined {
  for (let i = 0; i < fields.length - 1; i += 2) if (fields[i] === field) return fields[i + 1];
  return undefined;
}

/**
 * Inbox entries (ids `<seq>-0`, fields `t`, `a`, `d`) as the events a device gets live. An entry
 * that does not read as a known event is skipped rather than failing the whole read.
 */
export function parseInboxEntries(entries: readonly StreamEntry[]): InboxEvent[] {
  const events: InboxEvent[] = [];
  for (const [id, fields] of entries) {
    const seq = Number.parseInt(id, 10);
    const action = fieldOf(fields, 'a');
    const data = parseJson(fieldOf(fields, 'd'));
    if (action === 'chat' && isChatMessage(data)) events.push({ action, data: { ...data, seq } });
    else if (action === 'push' && isPushMessage(data)) events.push({ action, data: { ...data, seq } });
    else if (action === 'delivered' && isDeliveredReceipt(data)) events.push({ action, data: { id: data.id, to: data.to, seq } });
  }
  return events;
}

/** JSON text as a value; undefined for no text or text that does not parse. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
