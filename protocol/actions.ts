import { boolean, integer, isPlainObject, object, oneOf, optional, record, string, type Infer, type Schema } from './schema.js';

/** Rules shared by the server's checks and the client's prompts. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
/** Longest chat message, in characters (UTF-16 code units, as JavaScript counts them). */
export const MESSAGE_MAX = 4000;
/** The key of a username wherever it is used as one: names differing only in case are one account. */
export function userKey(username: string): string {
  return username.toLowerCase();
}

/** Events one `sync` returns when it names no `limit`, and the most it may ask for. */
export const SYNC_LIMIT_DEFAULT = 100;
export const SYNC_LIMIT_MAX = 1000;

/** Users one `onlineUsers` page returns when it names no `limit`, and the most it may ask for. */
export const ONLINE_USERS_LIMIT_DEFAULT = 100;
export const ONLINE_USERS_LIMIT_MAX = 1000;

/** Push types: short names a user can turn on and off. */
export const PUSH_TYPE_PATTERN = /^[a-z0-9_.-]{1,32}$/;

/** Room names: short, URL- and key-safe; rooms differing only in case are one room. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const ROOM_TITLE_MAX = 100;
export function roomKey(name: string): string {
  return name.toLowerCase();
}
/** Rooms one `sync` may name at once. */
export const SYNC_ROOMS_MAX = 100;
/** Messages one `history` page returns when it names no `limit`, and the most it may ask for. */
export const HISTORY_LIMIT_DEFAULT = 20;
export const HISTORY_LIMIT_MAX = 100;
/** Words `popular` returns when it names no `limit`, and the most it may ask for. */
export const POPULAR_LIMIT_DEFAULT = 10;
export const POPULAR_LIMIT_MAX = 100;

const username = string({ min: 3, max: 32, pattern: USERNAME_PATTERN, patternHint: 'must be 3-32 letters, digits, "_", "." or "-"' });
const password = string({ min: PASSWORD_MIN, max: PASSWORD_MAX });
const roomNameRules = { min: 1, max: 32, pattern: ROOM_NAME_PATTERN, patternHint: 'must be 1-32 letters, digits, "_" or "-"' };
const roomName = string(roomNameRules);
const message = string({ min: 1, max: MESSAGE_MAX });
const clientMsgId = optional(string({ min: 1, max: 64 }));
const empty = object({});

/** Request schemas of every action a client may send on the client port. */
export const requestSchemas = {
  register: object({ username, password }),
  /** `device`: a name the client keeps for this device (e.g. a random id saved on disk), so its acknowledged position outlives the connection. */
  login: object({ username, password, device: optional(string({ min: 1, max: 64, pattern: /^[A-Za-z0-9_-]+$/, patternHint: 'must be 1-64 letters, digits, "_" or "-"' })) }),
  logout: empty,
  /** Logs in with the token of an earlier login of this device: no password, no password hash. */
  resume: object({ token: string({ min: 1, max: 1024 }) }),
  ping: empty,
  chat: object({
    to: username,
    message,
    format: optional(oneOf(['text'] as const)),
    clientMsgId,
  }),
  sync: object({
    after: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    epoch: optional(string({ min: 1, max: 64 })),
    limit: optional(integer({ min: 1, max: SYNC_LIMIT_MAX })),
    /** Room cursors: the last seq this device has of each room (the same `limit` applies per room). */
    rooms: optional(record(roomNameRules, integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), SYNC_ROOMS_MAX)),
  }),
  userInfo: object({ username }),
  createRoom: object({ name: roomName, title: optional(string({ min: 1, max: ROOM_TITLE_MAX })) }),
  joinRoom: object({ room: roomName }),
  leaveRoom: object({ room: roomName }),
  rooms: empty,
  roomChat: object({ room: roomName, message, clientMsgId }),
  history: object({
    /** Exactly one of the two: a private conversation with a user, or a room. */
    conversation: object({ with: optional(username), room: optional(roomName) }),
    /** The `next` of the previous page; absent for the newest page. */
    before: optional(string({ min: 1, max: 128 })),
    limit: optional(integer({ min: 1, max: HISTORY_LIMIT_MAX })),
  }),
  popular: object({ limit: optional(integer({ min: 1, max: POPULAR_LIMIT_MAX })) }),
  subscriptions: empty,
  /** The device processed its inbox up to `seq`: senders of the messages up to there learn they were delivered. */
  ack: object({ seq: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) }),
  onlineUsers: object({ cursor: optional(string({ min: 1, max: 64 })), limit: optional(integer({ min: 1, max: ONLINE_USERS_LIMIT_MAX })) }),
  /** `types`: push type → on (true) or off (false); types not named keep their setting. */
  setSubscriptions: object({ types: record({ min: 1, max: 32, pattern: PUSH_TYPE_PATTERN, patternHint: 'must be 1-32 of a-z, 0-9, "_", "." or "-"' }, boolean(), 100) }),
} satisfies Record<string, Schema<unknown>>;

export type ClientAction = keyof typeof requestSchemas;
export type RequestData<A extends ClientAction> = Infer<(typeof requestSchemas)[A]>;

/** Actions that work before `login`. */
export const PUBLIC_ACTIONS: ReadonlySet<ClientAction> = new Set<ClientAction>(['register', 'login', 'resume', 'ping']);

/**
 * Actions of the internal cluster channel. A client port answers them with 403 so that a
 * client learns it is on the wrong port, and they can never reach a handler there.
 */
export const CLUSTER_ONLY_ACTIONS: ReadonlySet<string> = new Set(['hello', 'leaderConnect', 'syncServers', 'relay', 'relayAck']);

export function isClientAction(action: string): action is ClientAction {
  return Object.hasOwn(requestSchemas, action);
}

/**
 * Where a user's inbox stands: its epoch (which changes whenever the log was lost, e.g. Redis
 * restarted without its data) and the seq of its newest event. A device's cursor is such a pair.
 */
export interface InboxPosition {
  epoch: string;
  head: number;
}

/** A room as listed: `members` counts stored members (every user, for a world room); `online` the members connected now. */
export interface RoomInfo {
  name: string;
  title: string;
  world: boolean;
  members: number;
  online: number;
  /** Whether the asking user is a member. */
  joined: boolean;
}

/** Where a device stands in one log: the user's inbox, or a room's. */
export interface LogRead<E> {
  events: E[];
  /** `false`: the log no longer reaches back to the cursor (trimmed, or another epoch). */
  complete: boolean;
  head: number;
  epoch: string;
}

/** One page of a conversation's history, oldest first; `next` goes into `before` for the page before it (null: no more). */
export interface HistoryPage {
  messages: (ChatMessage | RoomMessage)[];
  next: string | null;
}

/** A login's (and a resume's) answer. `resumeToken`: what this device reconnects with (`resume`) until `resumeExpiresAt`. */
export interface LoginReply {
  username: string;
  nodeId: string;
  loginAt: number;
  inbox: InboxPosition;
  rooms: Record<string, InboxPosition>;
  resumeToken: string;
  resumeExpiresAt: number;
}

/** Reply payloads, by action. */
export interface ReplyData {
  register: { username: string };
  /** `rooms`: the position of every room the user is in (world rooms included). */
  login: LoginReply;
  /** The same as a login's (with a new token: each token is good for one device until it is revoked or expires). */
  resume: LoginReply;
  logout: Record<string, never>;
  ping: { ts: number };
  /** `seq`: the message's place in the sender's own inbox; `online`: whether a device of the recipient was connected. */
  chat: { id: string; seq: number; ts: number; online: boolean };
  /** `complete: false`: the log no longer reaches back to the cursor (trimmed, or another epoch); `rooms`: one read per room asked for. */
  sync: LogRead<InboxEvent> & { rooms?: Record<string, LogRead<RoomEvent>> };
  userInfo: { username: string; online: boolean; nodeId: string | null; loginAt: number | null; devices: number };
  createRoom: { room: RoomInfo };
  /** `recent`: the room's newest messages, oldest first; `position`: where its log stands (the device's cursor). */
  joinRoom: { room: RoomInfo; position: InboxPosition; recent: RoomMessage[] };
  leaveRoom: { room: string };
  rooms: { rooms: RoomInfo[] };
  roomChat: { id: string; seq: number; ts: number };
  history: HistoryPage;
  popular: { words: { word: string; count: number }[] };
  /** The push types this user turned off; every other type is on. Chat is not a push type. */
  subscriptions: { off: string[] };
  setSubscriptions: { off: string[] };
  /** The device's acknowledged position now (an older `seq` than one acked before changes nothing). */
  ack: { seq: number };
  /** Users (keys) with a connected device, sorted; `next` goes into `cursor` for the next page (null: last). */
  onlineUsers: { count: number; users: string[]; next: string | null };
}

/** A private message as stored: the same for sender and recipient. */
export interface ChatMessage {
  id: string;
  from: string;
  to: string;
  message: string;
  format: 'text';
  ts: number;
}

/**
 * A private message as delivered to one user's devices: to the recipient, and as a copy to the
 * sender's other devices. `seq` is its place in that user's inbox, so it differs between the two.
 */
export interface ChatEventData extends ChatMessage {
  seq: number;
}

/** The fields every text message has, private or room: id, sender, text, format, time. */
function hasMessageFields(value: Record<string, unknown>): boolean {
  return typeof value.id === 'string' && typeof value.from === 'string' && typeof value.message === 'string' && value.format === 'text' && typeof value.ts === 'number';
}

/** Checks a stored or relayed message before it is trusted. */
export function isChatMessage(value: unknown): value is ChatMessage {
  return isPlainObject(value) && hasMessageFields(value) && typeof value.to === 'string';
}

/** Checks a stored, relayed or received room message before it is trusted. */
export function isRoomMessage(value: unknown): value is RoomMessage {
  return isPlainObject(value) && hasMessageFields(value) && typeof value.room === 'string';
}

export function isRoomMembershipChange(value: unknown): value is RoomMembershipChange {
  return isPlainObject(value) && typeof value.room === 'string' && typeof value.user === 'string' && typeof value.ts === 'number';
}

export function isPushMessage(value: unknown): value is PushMessage {
  return isPlainObject(value) && typeof value.id === 'string' && typeof value.type === 'string' && typeof value.ts === 'number' && 'data' in value;
}

/** Checks a chat event received from a server before it is trusted. */
export function isChatEventData(value: unknown): value is ChatEventData {
  return isChatMessage(value) && Number.isSafeInteger((value as { seq?: unknown }).seq);
}

/** A room message as stored (and as history returns it). */
export interface RoomMessage {
  id: string;
  room: string;
  from: string;
  message: string;
  format: 'text';
  ts: number;
}

/** Someone joined or left a room (world rooms announce neither). */
export interface RoomMembershipChange {
  room: string;
  user: string;
  ts: number;
}

/** Room events carry their place in the room's log. */
export type Sequenced<T> = T & { seq: number };

/** A receipt: a device of `to` acknowledged the private message `id`. */
export interface DeliveredReceipt {
  id: string;
  to: string;
}

export function isDeliveredReceipt(value: unknown): value is DeliveredReceipt {
  return isPlainObject(value) && typeof value.id === 'string' && typeof value.to === 'string';
}

/** A push from the back office (push API or push queue): `type` names what it is, `data` is the sender's JSON. */
export interface PushMessage {
  id: string;
  type: string;
  data: unknown;
  ts: number;
}


/** Unsolicited events a server sends, by action. */
export interface EventData {
  chat: ChatEventData;
  /** A push to this user (in the inbox: `seq` is its place there) or a broadcast (no `seq`: not stored). */
  push: PushMessage & { seq?: number };
  /** The account was removed or logged out by the back office: go back to the login prompt (the close 4500 follows). */
  redirectToLogin: { reason: string };
  /**
   * A device of `to` acknowledged the private message `id` this user sent. Stored in this user's
   * inbox (`seq`: its place there), so a device offline then gets it with `sync`.
   */
  delivered: DeliveredReceipt & { seq?: number };
  /** Who came online or went offline lately (coalesced), and how many users are online now. */
  online: { count: number; joined: string[]; left: string[] };
  roomChat: Sequenced<RoomMessage>;
  roomJoin: Sequenced<RoomMembershipChange>;
  roomLeave: Sequenced<RoomMembershipChange>;
}

/** What a room's log holds, in the shape of the event frame that carried it live. */
export type RoomEvent = { [A in 'roomChat' | 'roomJoin' | 'roomLeave']: { action: A; data: EventData[A] } }['roomChat' | 'roomJoin' | 'roomLeave'];

/** What an inbox holds, in the shape of the event frame that carried (or would carry) it live. */
export type InboxEvent =
  | { action: 'chat'; data: ChatEventData }
  | { action: 'push'; data: PushMessage & { seq: number } }
  | { action: 'delivered'; data: DeliveredReceipt & { seq: number } };
