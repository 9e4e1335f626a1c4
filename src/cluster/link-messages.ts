import { isChatEventData, type ChatEventData } from '../../protocol/actions.js';
import { isPlainObject } from '../../protocol/schema.js';

/**
 * Messages of the internal cluster channel. Each WebSocket text frame carries a JSON array
 * of them: everything a link has to send in one event-loop turn goes out as one frame.
 */
export type LinkMessage = RelayMessage | AckMessage | LoadMessage;

/** Deliver `event` to the connections of `event.to` on node `target`. `id` is unique per target. */
export interface RelayMessage {
  t: 'relay';
  id: string;
  target: string;
  event: ChatEventData;
}

/** Answer to a relay, sent back along the path it came: delivered, or the user is not there. */
export interface AckMessage {
  t: 'ack';
  id: string;
  status: RelayStatus;
}
export type RelayStatus = 'delivered' | 'offline';

/** A follower's client connection count, for the leader's server list. */
export interface LoadMessage {
  t: 'load';
  connections: number;
}

const isString = (v: unknown): v is string => typeof v === 'string';

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
    if (m.t === 'relay' && isString(m.id) && isString(m.target) && isChatEventData(m.event)) {
      out.push({ t: 'relay', id: m.id, target: m.target, event: m.event });
    } else if (m.t === 'ack' && isString(m.id) && (m.status === 'delivered' || m.status === 'offline')) {
      out.push({ t: 'ack', id: m.id, status: m.status });
    } else if (m.t === 'load' && typeof m.connections === 'number') {
      out.push({ t: 'load', connections: m.connections });
    } else {
      return null;
    }
  }
  return out;
}
