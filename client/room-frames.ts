import { isRoomMembershipChange, isRoomMessage, type InboxPosition, type LogRead, type ReplyData, type RoomEvent, type RoomInfo, type RoomMembershipChange, type RoomMessage, type Sequenced } from '../protocol/actions.js';
import { isPlainObject } from '../protocol/schema.js';

/**
 * Checks of the room parts of what a server sends: events, positions, the rooms of a sync reply.
 * Unknown fields are kept; what cannot be read is left out, never trusted.
 */

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function isSequencedMessage(value: unknown): value is Sequenced<RoomMessage> {
  return isRoomMessage(value) && isSeq((value as { seq?: unknown }).seq);
}

function isSequencedChange(value: unknown): value is Sequenced<RoomMembershipChange> {
  return isRoomMembershipChange(value) && isSeq((value as { seq?: unknown }).seq);
}

/** A room event (`roomChat`, `roomJoin`, `roomLeave`) from its action and data, or null when it is not a readable one. */
export function readRoomEvent(action: string, data: unknown): RoomEvent | null {
  if (action === 'roomChat') return isSequencedMessage(data) ? { action, data } : null;
  if (action === 'roomJoin' || action === 'roomLeave') return isSequencedChange(data) ? { action, data } : null;
  return null;
}

export function readPosition(value: unknown): InboxPosition | null {
  if (!isPlainObject(value) || typeof value.epoch !== 'string' || !isSeq(value.head)) return null;
  return { epoch: value.epoch, head: value.head };
}

/** The `rooms` of a login reply (room key → position); rooms with an unreadable position are left out. */
export function readRoomPositions(login: unknown): Record<string, InboxPosition> {
  const rooms = isPlainObject(login) ? login.rooms : undefined;
  const out: Record<string, InboxPosition> = {};
  if (!isPlainObject(rooms)) return out;
  for (const [key, value] of Object.entries(rooms)) {
    const position = readPosition(value);
    if (position) out[key] = position;
  }
  return out;
}

/** One room's read of a sync reply, its unreadable events left out (and counted). */
export function readRoomLogRead(value: unknown): { read: LogRead<RoomEvent>; malformed: number } | null {
  if (!isPlainObject(value) || !Array.isArray(value.events) || typeof value.complete !== 'boolean') return null;
  if (!isSeq(value.head) || typeof value.epoch !== 'string') return null;
  const events: RoomEvent[] = [];
  for (const event of value.events as unknown[]) {
    const read = isPlainObject(event) && typeof event.action === 'string' ? readRoomEvent(event.action, event.data) : null;
    if (read) events.push(read);
  }
  return { read: { events, complete: value.complete, head: value.head, epoch: value.epoch }, malformed: value.events.length - events.length };
}

export function isRoomInfo(value: unknown): value is RoomInfo {
  return (
    isPlainObject(value) &&
    typeof value.name === 'string' &&
    typeof value.title === 'string' &&
    typeof value.world === 'boolean' &&
    typeof value.members === 'number' &&
    typeof value.online === 'number' &&
    typeof value.joined === 'boolean'
  );
}

/** A joinRoom reply, checked (its unreadable recent messages left out), or null when unusable. */
export function readJoinReply(value: unknown): ReplyData['joinRoom'] | null {
  if (!isPlainObject(value) || !isRoomInfo(value.room) || !Array.isArray(value.recent)) return null;
  const position = readPosition(value.position);
  if (!position) return null;
  return { room: value.room, position, recent: (value.recent as unknown[]).filter(isRoomMessage) };
}
