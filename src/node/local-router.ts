import type { ChatEventData } from '../../protocol/actions.js';
import { eventFrame } from '../../protocol/frames.js';
import type { LocalSessions } from '../session/local-sessions.js';
import type { ClientConnection } from './client-connection.js';

/** Delivery to the connections of users on this node; the cluster router adds the other nodes. */
export class LocalRouter {
  constructor(private readonly local: LocalSessions<ClientConnection>) {}

  /**
   * Sends to every open local connection of the recipient; false when none took it (none here,
   * or all closing, e.g. just closed as slow consumers), so the sender is never told a message
   * reached a socket that will not deliver it.
   */
  deliverLocal(event: ChatEventData): boolean {
    const conns = this.local.connections(event.to);
    if (!conns) return false;
    // Encode once for all devices of the user.
    const frame = eventFrame('chat', event);
    let sent = false;
    for (const conn of conns) if (conn.send(frame) === 'sent') sent = true;
    return sent;
  }
}
