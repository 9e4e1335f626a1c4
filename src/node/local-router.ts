import type { ChatEventData } from '../../protocol/actions.js';
import { eventFrame } from '../../protocol/frames.js';
import type { LocalSessions } from '../session/local-sessions.js';
import type { ClientConnection } from './client-connection.js';

/** Delivery to the connections of users on this node; the cluster router adds the other nodes. */
export class LocalRouter {
  constructor(private readonly local: LocalSessions<ClientConnection>) {}

  /** Sends to every local connection of the recipient; false when there is none. */
  deliverLocal(event: ChatEventData): boolean {
    const conns = this.local.connections(event.to);
    if (!conns) return false;
    // Encode once for all devices of the user.
    const frame = eventFrame('chat', event);
    for (const conn of conns) conn.send(frame);
    return true;
  }
}
