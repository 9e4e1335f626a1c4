import { eventFrame } from '../../protocol/frames.js';
import type { SendResult } from '../../core/net.js';
import { userEventFrame, type Delivery, type EncodedDelivery, type FramedEvent, type RelayedDelivery, type UserSeq } from './delivery.js';
import type { LocalRooms } from './local-rooms.js';
import type { LocalSessions } from './local-sessions.js';

/** The one thing delivery needs of a client connection. */
export interface DeviceConnection {
  /** Unique in the cluster (it starts with the node id). */
  readonly id: string;
  /** The logged-in user's key, or null. */
  readonly user: string | null;
  /** `bytes`: the same frame as UTF-8, when the sender encoded it once for many sockets. */
  sendText(text: string, bytes?: Buffer): SendResult;
  /** Tells the device to go back to its login prompt, then closes it with 4500. */
  kick(reason: string): void;
}

/**
 * Delivery to the connections of this node. The frame is encoded once per user (their seq differs),
 * once per room, or once for everyone.
 */
export class LocalDelivery<Conn extends DeviceConnection> {
  /** `wantsPush`: whether a user has a push type on (broadcasts skip those who turned it off). */
  constructor(
    private readonly sessions: LocalSessions<Conn>,
    private readonly rooms: LocalRooms<Conn>,
    private readonly wantsPush: (user: string, type: string) => boolean = () => true,
  ) {}

  /** A delivery that came by relay: encoded by its origin for one user, or an event to encode here. */
  deliverRelayed(relayed: RelayedDelivery): number {
    return 'frame' in relayed ? this.deliverEncoded(relayed) : this.deliver(relayed);
  }

  /**
   * Sends to every open local connection of the audience except `except` (the device a message came
   * from: it has the reply). Returns how many sockets took it.
   */
  deliver(delivery: Delivery, except?: Conn): number {
    const { audience, event } = delivery;
    if (event.action === 'kick') return this.#kick(audience, event.data.reason);
    switch (audience.kind) {
      case 'user':
        return this.#toUser(audience, event, except);
      case 'users':
        return audience.users.reduce((sent, target) => sent + this.#toUser(target, event, except), 0);
      case 'room': {
        const conns = this.rooms.connections(audience.room);
        if (!conns) return 0;
        const text = JSON.stringify(eventFrame(event.action, { ...event.data, seq: audience.seq }));
        const bytes = conns.size > 1 ? Buffer.from(text) : undefined;
        let sent = 0;
        for (const conn of conns) if (conn !== except && conn.id !== audience.except && conn.sendText(text, bytes) === 'sent') sent++;
        return sent;
      }
      case 'all': {
        const text = JSON.stringify(eventFrame(event.action, event.data));
        const bytes = Buffer.from(text);
        const type = event.action === 'push' ? event.data.type : null;
        let sent = 0;
        for (const [user, conns] of this.sessions.entries()) if (type === null || this.wantsPush(user, type)) sent += sendToAll(conns, text, except, bytes);
        return sent;
      }
    }
  }

  /** A relayed event for one user, its frame encoded by the origin node: sent as it came. Returns how many sockets took it. */
  deliverEncoded({ user, frame }: EncodedDelivery): number {
    const conns = this.sessions.connections(user);
    return conns ? sendToAll(conns, frame) : 0;
  }

  #kick(audience: Delivery['audience'], reason: string): number {
    const users = audience.kind === 'user' ? [audience.user] : audience.kind === 'users' ? audience.users.map((u) => u.user) : [];
    let kicked = 0;
    for (const user of users) {
      for (const conn of [...(this.sessions.connections(user) ?? [])]) {
        conn.kick(reason);
        kicked++;
      }
    }
    return kicked;
  }

  #toUser({ user, seq }: UserSeq, event: FramedEvent, except?: Conn): number {
    const conns = this.sessions.connections(user);
    if (!conns || (conns.size === 1 && except !== undefined && conns.has(except))) return 0; // nothing to encode for
    return sendToAll(conns, userEventFrame(event, seq), except);
  }
}

function sendToAll<Conn extends DeviceConnection>(conns: Iterable<Conn>, text: string, except?: Conn, bytes?: Buffer): number {
  let sent = 0;
  for (const conn of conns) if (conn !== except && conn.sendText(text, bytes) === 'sent') sent++;
  return sent;
}
