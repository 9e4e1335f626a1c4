import { isPlainObject } from '../../protocol/schema.js';
import { isRoomMembershipChange, isRoomMessage, type RoomEvent, type RoomMembershipChange, type RoomMessage } from '../../protocol/actions.js';
import { fieldOf, parseJson, type StreamEntry } from '../inbox/inbox-entries.js';


/** A room event without its seq, as the log stores it and relays carry it. */
export type RoomEventBody =
  | { action: 'roomChat'; data: RoomMessage }
  | { action: 'roomJoin' | 'roomLeave'; data: RoomMembershipChange };

export function isRoomEventBody(value: unknown): value is RoomEventBody {
  if (!isPlainObject(value)) return false;
  if (value.action === 'roomChat') return isRoomMessage(value.data);
  return (value.action === 'roomJoin' || value.action === 'roomLeave') && isRoomMembershipChange(value.data);
}

/** Room log entries (ids `<seq>-0`, fields `t`, `a`, `d`) as the events a member gets live; unreadable ones are skipped. */
export function parseRoomEntries(entries: readonly StreamEntry[]): RoomEvent[] {
  const events: RoomEvent[] = [];
  for (const [id, fields] of entries) {
    const seq = Number.parseInt(id, 10);
    const body = { action: fieldOf(fields, 'a'), data: parseJson(fieldOf(fields, 'd')) };
    if (isRoomEventBody(body)) events.push({ action: body.action, data: { ...body.data, seq } } as RoomEvent);
  }
  return events;
}

/** Recent-list entries (message JSON, newest first) as messages, oldest first. */
export function parseRecentMessages(texts: readonly string[]): RoomMessage[] {
  const out: RoomMessage[] = [];
  for (let i = texts.length - 1; i >= 0; i--) {
    const message = parseJson(texts[i]);
    if (isRoomMessage(message)) out.push(message);
  }
  return out;
}
