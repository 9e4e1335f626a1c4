import type { Logger } from '../../core/logger.js';
import type { Delivery, RelayedDelivery } from '../delivery/delivery.js';
import { relayDelivery, relayMessage, type LinkMessage, type RelayMessage } from './link-messages.js';
import { RecentIds } from './recent-ids.js';

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
  /** Relays this node originated and still awaits an ack for; beyond it new ones are not sent. */
  maxPending: number;
  /** How long a relay is resent on every new path before the origin gives up on it. */
  timeoutMs: number;
  /** Relay ids a target remembers, so a relay resent after a reconnect is not delivered twice. */
  dedupeSize: number;
}

interface Pending {
  message: RelayMessage;
  at: number;
}

/**
 * Hop-by-hop acknowledged relays: origin → leader → target, and the acks back the same way. The
 * origin keeps each relay until the target's ack arrives (the leader acks only once the target has),
 * resends everything unacked whenever a new path appears (a new link, a new leader), and the target
 * drops duplicates by id. Every relayed event is stored before it is relayed, so a relay given up
 * after `timeoutMs` costs a live delivery, never a message: its devices recover it with `sync`.
 */
export class RelayEngine {
  readonly #pending = new Map<string, Pending>();
  /** Leader only: relays passing through, by id → the node to ack back to. */
  readonly #forwarded = new Map<string, { from: string; message: RelayMessage; at: number }>();
  readonly #delivered: RecentIds<true>;
  /** Relays not sent since the last sweep because the pending table was full. */
  #refused = 0;

  constructor(
    private readonly topology: RelayTopology,
    private readonly deliverLocal: (delivery: RelayedDelivery) => void,
    private readonly limits: RelayLimits,
    private readonly logger: Logger,
    /** Told how long each relay this node originated took from first send to its ack (metrics). */
    private readonly onAcked?: (ms: number) => void,
  ) {
    this.#delivered = new RecentIds(limits.dedupeSize);
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  get forwardedCount(): number {
    return this.#forwarded.size;
  }

  /**
   * Sends `delivery` to node `target`. One pending entry per relay id: sending the same id again
   * while it is pending (a resent chat) adds nothing. False when the pending table is full.
   */
  send(target: string, id: string, delivery: Delivery): boolean {
    const relayId = `${id}@${target}`;
    if (this.#pending.has(relayId)) return true;
    if (this.#pending.size >= this.limits.maxPending) {
      this.#refused++;
      return false;
    }
    const message = relayMessage(relayId, target, delivery);
    this.#pending.set(relayId, { message, at: Date.now() });
    this.#transmit(message);
    return true;
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

  /** A link came up or the leader changed: send every unacked relay along the current path. */
  resendAll(): void {
    for (const { message } of this.#pending.values()) this.#transmit(message);
    if (this.topology.isLeader()) {
      for (const { message } of this.#forwarded.values()) this.topology.link(message.target)?.send(message);
    }
  }

  /** A node left the cluster: relays for it can never be delivered, its users are offline. */
  nodeGone(nodeId: string): void {
    for (const [id, pending] of this.#pending) if (pending.message.target === nodeId) this.#pending.delete(id);
    for (const [id, entry] of this.#forwarded) {
      if (entry.message.target === nodeId) {
        this.#forwarded.delete(id);
        this.topology.link(entry.from)?.send({ t: 'ack', id });
      }
    }
  }

  onMessages(from: string, messages: LinkMessage[]): void {
    for (const message of messages) {
      if (message.t === 'relay') this.#onRelay(from, message);
      else if (message.t === 'ack') this.#onAck(message.id);
    }
  }

  #onRelay(from: string, message: RelayMessage): void {
    const ack = () => this.topology.link(from)?.send({ t: 'ack', id: message.id });
    if (message.target === this.topology.selfId) {
      if (!this.#delivered.get(message.id)) {
        this.#delivered.add(message.id, true);
        const delivery = relayDelivery(message);
        if (delivery) this.deliverLocal(delivery);
        else this.logger.error('malformed relay from a peer; dropped', { peer: from, id: message.id });
      }
      ack();
      return;
    }
    // Sent to us as leader just before we lost leadership: the origin resends to the new leader.
    if (!this.topology.isLeader()) return;
    // Its users are offline: nothing to deliver, stop the origin resending.
    if (!this.topology.isAlive(message.target)) return void ack();
    if (!this.#forwarded.has(message.id) && this.#forwarded.size >= this.limits.maxPending) {
      this.logger.warn('relay forward table full; origin will retry', { target: message.target });
      return;
    }
    this.#forwarded.set(message.id, { from, message, at: Date.now() });
    this.topology.link(message.target)?.send(message);
  }

  #onAck(id: string): void {
    const pending = this.#pending.get(id);
    if (pending) {
      this.#pending.delete(id);
      this.onAcked?.(Date.now() - pending.at);
      return;
    }
    const forwarded = this.#forwarded.get(id);
    if (forwarded) {
      this.#forwarded.delete(id);
      this.topology.link(forwarded.from)?.send({ t: 'ack', id });
    }
  }

  /**
   * Gives up on relays unacked for `timeoutMs` (their devices recover the events with `sync`), and
   * forgets relays passing through that their target never answered.
   */
  sweep(now = Date.now()): void {
    let givenUp = 0;
    for (const [id, entry] of this.#pending) {
      if (entry.at >= now - this.limits.timeoutMs) break; // insertion order: the rest is newer
      this.#pending.delete(id);
      givenUp++;
    }
    if (givenUp > 0) this.logger.warn('relays unacknowledged, given up (devices recover them with sync)', { relays: givenUp });
    if (this.#refused > 0) this.logger.warn('relay table full: relays not sent (devices recover them with sync)', { relays: this.#refused });
    this.#refused = 0;
    const cutoff = now - this.limits.timeoutMs * 2;
    for (const [id, entry] of this.#forwarded) if (entry.at < cutoff) this.#forwarded.delete(id);
  }

  /** Stops resending; what is pending stays in the inboxes. */
  close(): void {
    this.#pending.clear();
    this.#forwarded.clear();
  }
}
