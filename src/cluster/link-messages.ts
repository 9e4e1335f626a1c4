import { isPlainObject } from '../../protocol/schema.js';
import { isDelivery, userEventFrame, type Delivery, type RelayedDelivery } from '../delivery/delivery.js';

/**
 * Messages of the internal cluster channel. Each WebSocket text frame carries one or more of them,
 * one per line: what a link has to send in one event-loop turn goes out in as few frames as fit.
 * Relays and acks, the per-message traffic, have their own compact lines (see encodeLinkMessage);
 * everything else is a line of JSON.
 */
export type LinkMessage = RelayMessage | AckMessage | LoadMessage | CallMessage | ResultMessage | PresenceMessage | MemberMessage;

/**
 * Deliver the delivery in `body` on node `target`. `id` is unique per target. The leader forwards
 * `body` as it came, and only the target reads it (relayDelivery). It is either the delivery's JSON
 * or, for an event to one user (most of the traffic), `U<tab>user<tab>frame`: the client frame
 * ready to write, so the target neither parses the event nor encodes it again.
 */
export interface RelayMessage {
  t: 'relay';
  id: string;
  target: string;
  body: string;
}

/** Tag of a body holding one user's encoded frame; a JSON body starts with `{`. */
const ENCODED_BODY_TAG = 'U\t';
const OPEN_BRACE = '{'.charCodeAt(0);

export function relayMessage(id: string, target: string, delivery: Delivery): RelayMessage {
  const { audience, event } = delivery;
  const body =
    audience.kind === 'user' && event.action !== 'kick' && !SEPARATORS.test(audience.user)
      ? `${ENCODED_BODY_TAG}${audience.user}\t${userEventFrame(event, audience.seq)}`
      : JSON.stringify(delivery);
  return { t: 'relay', id, target, body };
}

/**
 * The delivery a relay carries, checked (peers are authenticated, but a bug on one must not crash
 * another); null if malformed. An encoded frame goes to the devices as it came: only its form is
 * checked, its origin made it with the encoder local delivery uses.
 */
export function relayDelivery(message: RelayMessage): RelayedDelivery | null {
  const { body } = message;
  if (body.startsWith(ENCODED_BODY_TAG)) {
    const userEnd = body.indexOf('\t', ENCODED_BODY_TAG.length);
    if (userEnd <= ENCODED_BODY_TAG.length || body.charCodeAt(userEnd + 1) !== OPEN_BRACE) return null;
    return { user: body.slice(ENCODED_BODY_TAG.length, userEnd), frame: body.slice(userEnd + 1) };
  }
  try {
    const value: unknown = JSON.parse(body);
    return isDelivery(value) ? value : null;
  } catch {
    return null;
  }
}

/** The relay `id` was handled (delivered, or its target is gone): stop resending it. Travels back along the path. */
export interface AckMessage {
  t: 'ack';
  id: string;
}

/** A follower's client connection count, for the leader's server list. */
export interface LoadMessage {
  t: 'load';
  connections: number;
}

/** A request to the room host (the leader): `op` names what, `args` is checked by the host's handler. */
export interface CallMessage {
  t: 'call';
  id: string;
  op: string;
  args: Record<string, unknown>;
}

/** The answer to call `id`: its data, or the error the caller's client should get. */
export type ResultMessage = { t: 'result'; id: string; ok: true; data: unknown } | { t: 'result'; id: string; ok: false; code: number; message: string };

/**
 * Which users have a connection in which room on a node, for the host: it relays a room's events
 * only to nodes with members online, and counts them. `full`: `joined` lists everything (sent on
 * every new link to the leader, replacing what the host knew); otherwise changes since the last one.
 */
export interface PresenceMessage {
  t: 'presence';
  full: boolean;
  joined: Record<string, string[]>;
  left: Record<string, string[]>;
}

/** From the host to every node: `user` joined or left `room`, so their connections there join or leave it too. */
export interface MemberMessage {
  t: 'member';
  room: string;
  user: string;
  joined: boolean;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isUserLists = (v: unknown): v is Record<string, string[]> => isPlainObject(v) && Object.values(v).every((users) => Array.isArray(users) && users.every(isString));

/** Line tags of the compact forms; a JSON line starts with `{`. */
const RELAY_TAG = 'R\t';
const ACK_TAG = 'A\t';
/** What may not appear inside a compact line's id or target (the field and message separators). */
const SEPARATORS = /[\t\n]/;

/**
 * One message as one line. A relay is `R<tab>target<tab>id<tab>body` and an ack `A<tab>id`, so the
 * leader reads a relay's route without parsing its body and forwards the body untouched; JSON never
 * holds a raw tab or newline, so neither can end up inside a body. Ids with a separator in them
 * (never made by this code) go as JSON.
 */
export function encodeLinkMessage(message: LinkMessage): string {
  if (message.t === 'relay' && !SEPARATORS.test(message.id) && !SEPARATORS.test(message.target)) {
    return `${RELAY_TAG}${message.target}\t${message.id}\t${message.body}`;
  }
  if (message.t === 'ack' && !SEPARATORS.test(message.id)) return ACK_TAG + message.id;
  return JSON.stringify(message);
}

/** The lines of a frame: messages joined by newlines. */
export const LINK_MESSAGE_SEPARATOR = '\n';

function parseRelayLine(line: string): RelayMessage | null {
  const afterTarget = line.indexOf('\t', RELAY_TAG.length);
  const afterId = afterTarget < 0 ? -1 : line.indexOf('\t', afterTarget + 1);
  if (afterId < 0) return null;
  const target = line.slice(RELAY_TAG.length, afterTarget);
  const id = line.slice(afterTarget + 1, afterId);
  return target !== '' && id !== '' ? { t: 'relay', id, target, body: line.slice(afterId + 1) } : null;
}

function parseJsonLine(line: string): LinkMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isPlainObject(m)) return null;
  if (m.t === 'relay' && isString(m.id) && isString(m.target) && isString(m.body)) return { t: 'relay', id: m.id, target: m.target, body: m.body };
  if (m.t === 'ack' && isString(m.id)) return { t: 'ack', id: m.id };
  if (m.t === 'load' && typeof m.connections === 'number') return { t: 'load', connections: m.connections };
  if (m.t === 'call' && isString(m.id) && isString(m.op) && isPlainObject(m.args)) return { t: 'call', id: m.id, op: m.op, args: m.args };
  if (m.t === 'result' && isString(m.id) && m.ok === true) return { t: 'result', id: m.id, ok: true, data: m.data };
  if (m.t === 'result' && isString(m.id) && m.ok === false && typeof m.code === 'number' && isString(m.message)) {
    return { t: 'result', id: m.id, ok: false, code: m.code, message: m.message };
  }
  if (m.t === 'presence' && typeof m.full === 'boolean' && isUserLists(m.joined) && isUserLists(m.left)) {
    return { t: 'presence', full: m.full, joined: m.joined, left: m.left };
  }
  if (m.t === 'member' && isString(m.room) && isString(m.user) && typeof m.joined === 'boolean') return { t: 'member', room: m.room, user: m.user, joined: m.joined };
  return null;
}

/**
 * The messages of one frame, or null if any line is not one: peers are authenticated, but a bug on
 * one node must not crash another. A relay's body is checked by its target only (relayDelivery).
 */
export function parseLinkFrame(raw: string): LinkMessage[] | null {
  const out: LinkMessage[] = [];
  for (const line of raw.split(LINK_MESSAGE_SEPARATOR)) {
    let message: LinkMessage | null;
    if (line.startsWith(RELAY_TAG)) message = parseRelayLine(line);
    else if (line.startsWith(ACK_TAG)) message = line.length > ACK_TAG.length ? { t: 'ack', id: line.slice(ACK_TAG.length) } : null;
    else message = parseJsonLine(line);
    if (message === null) return null;
    out.push(message);
  }
  return out;
}
