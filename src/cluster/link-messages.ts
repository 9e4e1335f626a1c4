import { isPlainObject } from '../../protocol/schema.js';
import { isDelivery, type Delivery } from '../delivery/delivery.js';

/**
 * Messages of the internal cluster channel. Each WebSocket text frame carries a JSON array
 * of them: what a link has to send in one event-loop turn goes out in as few frames as fit.
 */
export type LinkMessage = RelayMessage | AckMessage | LoadMessage | CallMessage | ResultMessage | PresenceMessage | MemberMessage;

/** Deliver `delivery` on node `target`. `id` is unique per target. */
export interface RelayMessage {
  t: 'relay';
  id: string;
  target: string;
  delivery: Delivery;
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

/** Peers are authenticated, but a bug on one node must not crash another: check the shape anyway. */
export function parseLinkFrame(raw: string): LinkMessage[] | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  const out: LinkMessage[] = [];
  for (const m of value) {
    if (!isPlainObject(m)) return null;
    if (m.t === 'relay' && isString(m.id) && isString(m.target) && isDelivery(m.delivery)) {
      out.push({ t: 'relay', id: m.id, target: m.target, delivery: m.delivery });
    } else if (m.t === 'ack' && isString(m.id)) {
      out.push({ t: 'ack', id: m.id });
    } else if (m.t === 'load' && typeof m.connections === 'number') {
      out.push({ t: 'load', connections: m.connections });
    } else if (m.t === 'call' && isString(m.id) && isString(m.op) && isPlainObject(m.args)) {
      out.push({ t: 'call', id: m.id, op: m.op, args: m.args });
    } else if (m.t === 'result' && isString(m.id) && m.ok === true) {
      out.push({ t: 'result', id: m.id, ok: true, data: m.data });
    } else if (m.t === 'result' && isString(m.id) && m.ok === false && typeof m.code === 'number' && isString(m.message)) {
      out.push({ t: 'result', id: m.id, ok: false, code: m.code, message: m.message });
    } else if (m.t === 'presence' && typeof m.full === 'boolean' && isUserLists(m.joined) && isUserLists(m.left)) {
      out.push({ t: 'presence', full: m.full, joined: m.joined, left: m.left });
    } else if (m.t === 'member' && isString(m.room) && isString(m.user) && typeof m.joined === 'boolean') {
      out.push({ t: 'member', room: m.room, user: m.user, joined: m.joined });
    } else {
      return null;
    }
  }
  return out;
}
