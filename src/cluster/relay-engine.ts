import type { Logger } from '../../core/logger.js';
import type { ChatEventData } from '../../protocol/actions.js';
import type { LinkMessage, RelayMessage, RelayStatus } from './link-messages.js';
import { RecentIds } from './recent-ids.js';

export type RelayOutcome = RelayStatus | 'timeout';

/** The one thing relays need of a link to a peer. */
export interface LinkSender {
  send(message: LinkMessage): boolean;
}

export interface RelayTopology {
  readonly selfId: string;
  isLeader(): boolean;
  leaderId(): string | null;
  isAlive(nodeId: string): boolean;
  link(peerId: string): LinkSender | undefined;
}

export interface RelayLimits {
  /** Relays this node originated and still awaits an ack for. */
  maxPending: number;
  /** How long an origin waits for the ack before it tells the sender delivery is unconfirmed. */
  timeoutMs: number;
  /** Relay ids a target remembers, so a relay resent after a reconnect is not delivered twice. */
  dedupeSize: number;
}

interface Pending {
  message: RelayMessage;
  resolve: (outcome: RelayOutcome) => void;
  timer: NodeJS.Timeout;
}

/**
 * Hop-by-hop acknowledged relays: origin → leader → target, and the acks back the same way.
 * The origin keeps each relay until the target's ack arrives (the leader only acks once the
 * target has), resends everything unacked whenever a new path appears (reconnect, new
 * leader), and the target drops duplicates by id. So a message acknowledged to its sender has
 * reached the recipient's node, across leader changes too.
 */
export class RelayEngine {
  readonly #pending = new Map<string, Pending>();
  /** Leader only: relays passing through, by id → the node to ack back to. */
  readonly #forwarded = new Map<string, { from: string; message: RelayMessage; at: number }>();
  readonly #delivered: RecentIds<RelayStatus>;

  constructor(
    private readonly topology: RelayTopology,
    private readonly deliverLocal: (event: ChatEventData) => boolean,
    private readonly limits: RelayLimits,
    private readonly logger: Logger,
  ) {
    this.#delivered = new RecentIds(limits.dedupeSize);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  hasRoom(): boolean {
    return this.#pending.size < this.limits.maxPending;
  }

  /** Sends `event` to node `target` and resolves when its ack arrives (or on timeout). */
  send(target: string, event: ChatEventData): Promise<RelayOutcome> {
    const message: RelayMessage = { t: 'relay', id: `${event.id}@${target}`, target, event };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(message.id, 'timeout'), this.limits.timeoutMs);
      this.#pending.set(message.id, { message, resolve, timer });
      this.#transmit(message);
    });
  }

  /** The next hop for a relay to `target`: direct when this node leads, else the leader. */
  #nextHop(target: string): LinkSender | undefined {
    if (this.topology.isLeader()) return this.topology.link(target);
    const leader = this.topology.leaderId();
    return leader ? this.topology.link(leader) : undefined;
  }

  #transmit(message: RelayMessage): void {
    // No path yet: the message waits in #pending and goes out from resendAll().
    this.#nextHop(message.target)?.send(message);
  }

  #settle(id: string, outcome: RelayOutcome): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#pending.delete(id);
    pending.resolve(outcome);
  }

  /** A link came up or the leader changed: send every unacked relay along the current path. */
  resendAll(): void {
    for (const { message } of this.#pending.values()) this.#transmit(message);
    if (this.topology.isLeader()) {
      for (const { message } of this.#forwarded.values()) this.topology.link(message.target)?.send(message);
    }
  }

  /** A node left the cluster: relays for it can never be delivered, their users are offline. */
  nodeGone(nodeId: string): void {
    for (const [id, pending] of this.#pending) if (pending.message.target === nodeId) this.#settle(id, 'offline');
    for (const [id, entry] of this.#forwarded) {
      if (entry.message.target === nodeId) {
        this.#forwarded.delete(id);
        this.topology.link(entry.from)?.send({ t: 'ack', id, status: 'offline' });
      }
    }
  }

  onMessages(from: string, messages: LinkMessage[]): void {
    for (const message of messages) {
      if (message.t === 'relay') this.#onRelay(from, message);
      else if (message.t === 'ack') this.#onAck(message.id, message.status);
    }
  }

  #onRelay(from: string, message: RelayMessage): void {
    const reply = (status: RelayStatus) => this.topology.link(from)?.send({ t: 'ack', id: message.id, status });
    if (message.target === this.topology.selfId) {
      let status = this.#delivered.get(message.id);
      if (status === undefined) {
        status = this.deliverLocal(message.event) ? 'delivered' : 'offline';
        this.#delivered.add(message.id, status);
      }
      reply(status);
      return;
    }
    if (!this.topology.isLeader()) {
      // Sent to us as leader just before we lost leadership: the origin resends to the new leader.
      return;
    }
    if (!this.topology.isAlive(message.target)) {
      reply('offline');
      return;
    }
    if (!this.#forwarded.has(message.id) && this.#forwarded.size >= this.limits.maxPending) {
      this.logger.warn('relay forward table full; origin will retry', { target: message.target });
      return;
    }
    this.#forwarded.set(message.id, { from, message, at: Date.now() });
    this.topology.link(message.target)?.send(message);
  }

  #onAck(id: string, status: RelayStatus): void {
    if (this.#pending.has(id)) {
      this.#settle(id, status);
      return;
    }
    const forwarded = this.#forwarded.get(id);
    if (forwarded) {
      this.#forwarded.delete(id);
      this.topology.link(forwarded.from)?.send({ t: 'ack', id, status });
    }
  }

  /**
   * Forgets relays passing through that the target never answered: their origin gave up long
   * ago (and resends under a new path if it still cares), so keeping them only fills the table.
   */
  sweep(now = Date.now()): void {
    const cutoff = now - this.limits.timeoutMs * 2;
    for (const [id, entry] of this.#forwarded) if (entry.at < cutoff) this.#forwarded.delete(id);
  }

  get forwardedCount(): number {
    return this.#forwarded.size;
  }

  /** Stops waiting; pending senders learn delivery is unconfirmed. */
  close(): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id, 'timeout');
    this.#forwarded.clear();
  }
}
