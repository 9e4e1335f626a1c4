import type { Delivery, DeliveryEvent, UserSeq } from './delivery.js';
import type { DeviceConnection, LocalDelivery } from './local-delivery.js';

/** What delivery needs of the cluster: which nodes live, and a relay to one of them. */
export interface RelayPort {
  isAlive(nodeId: string): boolean;
  /** Every live node, this one included. */
  liveNodes(): string[];
  /** Sends `delivery` to node `target` as relay `id`; resent on new paths until acknowledged or given up. */
  relay(target: string, id: string, delivery: Delivery): void;
}

/** One user to deliver to: the event's seq in their inbox, and the nodes holding their devices. */
export interface Recipient extends UserSeq {
  nodes: readonly string[];
}

/**
 * Live delivery of a stored event to every device of its recipients: this node's devices directly,
 * every other live node holding some of them through one relay carrying all of its users. Delivery
 * is best effort by design: the event is in each inbox already, and a device that misses it (a dead
 * node, a dropped relay, a slow-consumer close) gets it back with `sync`.
 */
export class DeliveryRouter<Conn extends DeviceConnection> {
  constructor(
    private readonly selfId: string,
    private readonly local: LocalDelivery<Conn>,
    private readonly relays: RelayPort,
  ) {}

  /** Delivers `event` (relay id `id`) to every device of `recipients` but `except`. */
  deliver(id: string, event: DeliveryEvent, recipients: readonly Recipient[], except?: Conn): void {
    // This node's devices are found in its own sessions, whatever Redis says (a login may be in flight).
    this.local.deliver(toUsers(recipients.map(({ user, seq }) => ({ user, seq })), event), except);
    const byNode = new Map<string, UserSeq[]>();
    for (const { user, seq, nodes } of recipients) {
      for (const node of nodes) {
        if (node === this.selfId || !this.relays.isAlive(node)) continue; // here: done; dead: its users are offline
        const users = byNode.get(node);
        if (users) users.push({ user, seq });
        else byNode.set(node, [{ user, seq }]);
      }
    }
    for (const [node, users] of byNode) this.relays.relay(node, id, toUsers(users, event));
  }

  /**
   * Delivers `event` to every logged-in connection of the cluster once: this node's directly, each
   * other live node's through one relay (never one per user). Returns how many local sockets took it.
   */
  broadcast(id: string, event: DeliveryEvent): number {
    for (const node of this.relays.liveNodes()) if (node !== this.selfId) this.relays.relay(node, id, { audience: { kind: 'all' }, event });
    return this.local.deliver({ audience: { kind: 'all' }, event });
  }

  /** Whether any of `nodes` is alive: a user with a session there has a connected device. */
  anyAlive(nodes: readonly string[]): boolean {
    return nodes.some((node) => node === this.selfId || this.relays.isAlive(node));
  }
}

function toUsers(users: UserSeq[], event: DeliveryEvent): Delivery {
  return { audience: users.length === 1 ? { kind: 'user', ...users[0]! } : { kind: 'users', users }, event };
}
