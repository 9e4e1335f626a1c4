import type { ChatEventData } from '../../protocol/actions.js';
import { eventFrame } from '../../protocol/frames.js';
import type { LocalSessions } from '../session/local-sessions.js';
import type { ClientConnection } from './client-connection.js';
import type { ChatRouter } from './services.js';

/** Delivery to users connected to this node: the whole story while there is one node. */
export class LocalRouter implements ChatRouter {
  constructor(private readonly local: LocalSessions<ClientConnection>) {}

  async deliver(event: ChatEventData): Promise<boolean> {
    return this.deliverLocal(event);
  }

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
