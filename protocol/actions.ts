import { integer, isPlainObject, object, oneOf, optional, string, type Infer, type Schema } from './schema.js';

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

const username = string({ min: 3, max: 32, pattern: USERNAME_PATTERN, patternHint: 'must be 3-32 letters, digits, "_", "." or "-"' });
const password = string({ min: PASSWORD_MIN, max: PASSWORD_MAX });
const empty = object({});

/** Request schemas of every action a client may send on the client port. */
export const requestSchemas = {
  register: object({ username, password }),
  login: object({ username, password }),
  logout: empty,
  ping: empty,
  chat: object({
    to: username,
    message: string({ min: 1, max: MESSAGE_MAX }),
    format: optional(oneOf(['text'] as const)),
    clientMsgId: optional(string({ min: 1, max: 64 })),
  }),
  sync: object({
    after: integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    epoch: optional(string({ min: 1, max: 64 })),
    limit: optional(integer({ min: 1, max: SYNC_LIMIT_MAX })),
  }),
  userInfo: object({ username }),
} satisfies Record<string, Schema<unknown>>;

export type ClientAction = keyof typeof requestSchemas;
export type RequestData<A extends ClientAction> = Infer<(typeof requestSchemas)[A]>;

/** Actions that work before `login`. */
export const PUBLIC_ACTIONS: ReadonlySet<ClientAction> = new Set<ClientAction>(['register', 'login', 'ping']);

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

/** Reply payloads, by action. */
export interface ReplyData {
  register: { username: string };
  login: { username: string; nodeId: string; loginAt: number; inbox: InboxPosition };
  logout: Record<string, never>;
  ping: { ts: number };
  /** `seq`: the message's place in the sender's own inbox; `online`: whether a device of the recipient was connected. */
  chat: { id: string; seq: number; ts: number; online: boolean };
  /** `complete: false`: the log no longer reaches back to the cursor (trimmed, or another epoch). */
  sync: { events: InboxEvent[]; complete: boolean; head: number; epoch: string };
  userInfo: { username: string; online: boolean; nodeId: string | null; loginAt: number | null; devices: number };
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

/** Checks a stored or relayed message before it is trusted. */
export function isChatMessage(value: unknown): value is ChatMessage {
  return (
    isPlainObject(value) &&
    typeof value.id === 'string' &&
    typeof value.from === 'string' &&
    typeof value.to === 'string' &&
    typeof value.message === 'string' &&
    value.format === 'text' &&
    typeof value.ts === 'number'
  );
}

/** Checks a chat event received from a server before it is trusted. */
export function isChatEventData(value: unknown): value is ChatEventData {
  return isChatMessage(value) && Number.isSafeInteger((value as { seq?: unknown }).seq);
}

/** Unsolicited events a server sends, by action. */
export interface EventData {
  chat: ChatEventData;
}

/** What an inbox holds, in the shape of the event frame that carried (or would carry) it live. */
export type InboxEvent = { [A in keyof EventData]: { action: A; data: EventData[A] } }[keyof EventData];
