import { isPlainObject, object, oneOf, optional, string, type Infer, type Schema } from './schema.js';

/** Rules shared by the server's checks and the client's prompts. */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;
export const MESSAGE_MAX = 4000;

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

/** Reply payloads, by action. */
export interface ReplyData {
  register: { username: string };
  login: { username: string; nodeId: string; loginAt: number };
  logout: Record<string, never>;
  ping: { ts: number };
  chat: { id: string; ts: number };
  userInfo: { username: string; online: boolean; nodeId: string | null; loginAt: number | null; devices: number };
}

/** A private message as delivered to every connection of its recipient. */
export interface ChatEventData {
  id: string;
  from: string;
  to: string;
  message: string;
  format: 'text';
  ts: number;
}

/** Checks a chat event received from elsewhere (a server, a peer node) before it is trusted. */
export function isChatEventData(value: unknown): value is ChatEventData {
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

/** Unsolicited events a server sends, by action. */
export interface EventData {
  chat: ChatEventData;
}
