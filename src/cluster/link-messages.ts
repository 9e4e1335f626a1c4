import { isPlainObject } from '../../protocol/schema.js';
import { isDelivery, type Delivery } from '../delivery/delivery.js';

/**
 * Messages of the internal cluster channel. Each WebSocket text frame carries a JSON array
 * of them: what a link has to send in one event-loop turn goes out in as few frames as fit.
 */
export type LinkMessage = RelayMessage | AckMessage | LoadMessage;

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
    if (m.t === 'relay' && isString(m.id) && isString(m.target) && isDelivery(m.delivery)) {
      out.push({ t: 'relay', id: m.id, target: m.target, delivery: m.delivery });
    } else if (m.t === 'ack' && isString(m.id)) {
      out.push({ t: 'ack', id: m.id });
    } else if (m.t === 'load' && typeof m.connections === 'number') {
      out.push({ t: 'load', connections: m.connections });
    } else {
      return null;
    }
  }
  return out;
}
