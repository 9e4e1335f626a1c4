import { eventFrame } from '../../protocol/frames.js';
import type { SendResult } from '../../core/net.js';
import type { Delivery, UserSeq } from './delivery.js';
import type { LocalSessions } from './local-sessions.js';

/** The one thing delivery needs of a client connection. */
export interface DeviceConnection {
  sendText(text: string): SendResult;
}

/**
 * Delivery to the connections of this node. The frame is encoded once per user (their seq differs),
 * or once for everyone when the event carries none.
 */
export class LocalDelivery<Conn extends DeviceConnection> {
  constructor(private readonly sessions: LocalSessions<Conn>) {}

  /**
   * Sends to every open local connection of the audience except `except` (the device a message came
   * from: it has the reply). Returns how many sockets took it.
   */
  deliver(delivery: Delivery, except?: Conn): number {
    const { audience, event } = delivery;
    switch (audience.kind) {
      case 'user':
        return this.#toUser(audience, delivery, except);
      case 'users':
        return audience.users.reduce((sent, target) => sent + this.#toUser(target, delivery, except), 0);
      case 'all': {
        const text = JSON.stringify(eventFrame(event.action, event.data));
        let sent = 0;
        for (const [, conns] of this.sessions.entries()) for (const conn of conns) if (conn !== except && conn.sendText(text) === 'sent') sent++;
        return sent;
      }
    }
  }

  #toUser({ user, seq }: UserSeq, { event }: Delivery, except?: Conn): number {
    const conns = this.sessions.connections(user);
    if (!conns) return 0;
    let text: string | null = null;
    let sent = 0;
    for (const conn of conns) {
      if (conn === except) continue;
      text ??= JSON.stringify(eventFrame(event.action, { ...event.data, seq }));
      if (conn.sendText(text) === 'sent') sent++;
    }
    return sent;
  }
}
