import type { Delivery } from '../delivery/delivery.js';
import { LocalDelivery, type DeviceConnection } from '../delivery/local-delivery.js';
import type { LocalRooms } from '../delivery/local-rooms.js';
import type { LocalSessions } from '../delivery/local-sessions.js';

/** Local delivery that reports each delivery once (not per socket): one clock read per message. */
export class MeteredLocalDelivery<Conn extends DeviceConnection> extends LocalDelivery<Conn> {
  constructor(
    sessions: LocalSessions<Conn>,
    rooms: LocalRooms<Conn>,
    wantsPush: (user: string, type: string) => boolean,
    private readonly onDelivered: (delivery: Delivery, sockets: number) => void,
  ) {
    super(sessions, rooms, wantsPush);
  }

  override deliver(delivery: Delivery, except?: Conn): number {
    const sockets = super.deliver(delivery, except);
    this.onDelivered(delivery, sockets);
    return sockets;
  }
}
