import { isChatMessage, isPushMessage, type ChatMessage, type EventData, type PushMessage } from '../../protocol/actions.js';
import { eventFrame } from '../../protocol/frames.js';
import { isPlainObject } from '../../protocol/schema.js';
import { isRoomEventBody, type RoomEventBody } from '../rooms/room-entries.js';

/** A user (key) and the seq the event has in that user's inbox (0: the event is not in the inbox). */
export interface UserSeq {
  user: string;
  seq: number;
}

/**
 * Who gets a delivery on a node: the devices of one user or of several (each with the event's seq in
 * their own inbox), the node's members of a room (with the event's seq in the room's log), or every
 * logged-in connection.
 */
export type Audience =
  | { kind: 'user'; user: string; seq: number }
  | { kind: 'users'; users: UserSeq[] }
  /** `except`: the id of the connection that sent a room chat (it has the reply). */
  | { kind: 'room'; room: string; seq: number; except?: string }
  | { kind: 'all' };

/**
 * What is delivered. `kick` is not sent as it is: each device of the audience gets
 * `redirectToLogin` and is closed with 4500.
 */
export type DeliveryEvent =
  | { action: 'chat'; data: ChatMessage }
  | { action: 'push'; data: PushMessage }
  | { action: 'kick'; data: { reason: string } }
  | { action: 'delivered'; data: EventData['delivered'] }
  | { action: 'online'; data: EventData['online'] }
  | RoomEventBody;

/** One event for one audience, the unit that local delivery and cluster relays carry. */
export interface Delivery {
  audience: Audience;
  event: DeliveryEvent;
}

/** Events sent to devices as they are (a kick is not: see DeliveryEvent). */
export type FramedEvent = Exclude<DeliveryEvent, { action: 'kick' }>;

/**
 * An event for the devices of one user with its client frame encoded already: what a relay carries
 * for one user, so the target node writes the frame as it came instead of decoding the event and
 * encoding it again. Made by userEventFrame, the encoder local delivery uses too.
 */
export interface EncodedDelivery {
  user: string;
  frame: string;
}

/** What a relay brings a node: an event for an audience, or one user's encoded frame. */
export type RelayedDelivery = Delivery | EncodedDelivery;

/** The frame every device of a user gets for `event`, carrying the event's `seq` in that user's inbox (0: none). */
export function userEventFrame(event: FramedEvent, seq: number): string {
  return JSON.stringify(eventFrame(event.action, seq > 0 ? { ...event.data, seq } : event.data));
}

const isUserSeq = (v: unknown): v is UserSeq => isPlainObject(v) && typeof v.user === 'string' && Number.isSafeInteger(v.seq);

function isAudience(value: unknown): value is Audience {
  if (!isPlainObject(value)) return false;
  switch (value.kind) {
    case 'user':
      return isUserSeq(value);
    case 'users':
      return Array.isArray(value.users) && value.users.every(isUserSeq);
    case 'room':
      return typeof value.room === 'string' && Number.isSafeInteger(value.seq) && (value.except === undefined || typeof value.except === 'string');
    case 'all':
      return true;
    default:
      return false;
  }
}

function isDeliveryEvent(value: unknown): value is DeliveryEvent {
  if (!isPlainObject(value)) return false;
  switch (value.action) {
    case 'chat':
      return isChatMessage(value.data);
    case 'push':
      return isPushMessage(value.data);
    case 'kick':
      return isPlainObject(value.data) && typeof value.data.reason === 'string';
    case 'delivered':
      return isPlainObject(value.data) && typeof value.data.id === 'string' && typeof value.data.to === 'string';
    case 'online':
      return false; // each node makes its own; never relayed
    default:
      return isRoomEventBody(value);
  }
}

/** Checks a delivery received from a peer node before it is trusted. */
export function isDelivery(value: unknown): value is Delivery {
  return isPlainObject(value) && isAudience(value.audience) && isDeliveryEvent(value.event);
}
