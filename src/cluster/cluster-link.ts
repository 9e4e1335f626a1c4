import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import { ClusterCloseCode } from '../../protocol/codes.js';
import { encodeLinkMessage, LINK_MESSAGE_SEPARATOR, parseLinkFrame, type LinkMessage } from './link-messages.js';

export interface ClusterLinkEvents {
  messages: [messages: LinkMessage[]];
  close: [];
}

export interface LinkLimits {
  /** Largest frame either side accepts (the same on every node); batches are cut below it. */
  maxFrameBytes: number;
  /** Bytes queued plus unsent on the socket before the peer counts as stuck and the link is dropped. */
  maxBufferedBytes: number;
  /** How often we ping the peer, and how long it may stay silent before the link is dropped. */
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** How long a message may wait for others to share its frame (0: until the end of this event-loop turn). */
  flushDelayMs: number;
}


/**
 * An authenticated connection to another node. Messages sent within `flushDelayMs` leave together,
 * in as few frames as fit under the frame limit: relaying through the leader costs one write (and
 * one wake-up of the peer) per link per flush, not one per message. A peer that stays silent past
 * the pong deadline is cut (4410), so a frozen link is noticed and redialled instead of swallowing
 * relays.
 */
export class ClusterLink extends EventEmitter<ClusterLinkEvents> {
  /** Full batches waiting for this turn's flush, then the one being filled. */
  #full: string[][] = [];
  #batch: string[] = [];
  #batchBytes = 0;
  #queuedBytes = 0;
  #flushScheduled = false;
  #closed = false;
  #heardAt = Date.now();
  readonly #pinger: NodeJS.Timeout;

  constructor(readonly peerId: string, private readonly socket: WebSocket, private readonly limits: LinkLimits, private readonly logger: Logger) {
    super();
    socket.on('message', (data, isBinary) => {
      this.#heardAt = Date.now();
      const messages = isBinary ? null : parseLinkFrame(data.toString());
      if (!messages) {
        this.logger.warn('bad frame on cluster link', { peer: peerId });
        this.close(ClusterCloseCode.BAD_FRAME, 'bad cluster frame');
        return;
      }
      this.emit('messages', messages);
    });
    socket.on('pong', () => (this.#heardAt = Date.now()));
    socket.on('ping', () => (this.#heardAt = Date.now()));
    socket.on('close', () => this.#onClosed());
    socket.on('error', (err) => this.logger.info('cluster link error', { peer: peerId, err: err.message }));
    this.#pinger = setInterval(() => this.#checkPeer(), limits.pingIntervalMs);
  }

  get isOpen(): boolean {
    return !this.#closed && this.socket.readyState === this.socket.OPEN;
  }

  /** Queues `message` for this turn's frames; false if it cannot go (link closed, or a message too large for any frame). */
  send(message: LinkMessage): boolean {
    if (!this.isOpen) return false;
    const text = encodeLinkMessage(message);
    const bytes = Buffer.byteLength(text);
    if (bytes > this.limits.maxFrameBytes) {
      this.logger.error('cluster message larger than a link frame; dropped', { peer: this.peerId, bytes, type: message.t });
      return false;
    }
    if (this.#queuedBytes + bytes + this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(ClusterCloseCode.SLOW_PEER, 'cluster link backlog full');
      return false;
    }
    // +1 for the newline before it.
    if (this.#batch.length > 0 && this.#batchBytes + bytes + 1 > this.limits.maxFrameBytes) {
      this.#full.push(this.#batch);
      this.#batch = [];
      this.#batchBytes = 0;
    }
    this.#batch.push(text);
    this.#batchBytes += bytes + 1;
    this.#queuedBytes += bytes;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      if (this.limits.flushDelayMs > 0) setTimeout(() => this.#flush(), this.limits.flushDelayMs);
      else setImmediate(() => this.#flush());
    }
    return true;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batches = this.#batch.length > 0 ? [...this.#full, this.#batch] : this.#full;
    this.#full = [];
    this.#batch = [];
    this.#batchBytes = 0;
    this.#queuedBytes = 0;
    if (!this.isOpen) return;
    for (const batch of batches) this.socket.send(batch.join(LINK_MESSAGE_SEPARATOR));
  }

  #checkPeer(): void {
    if (!this.isOpen) return;
    const silentMs = Date.now() - this.#heardAt;
    if (silentMs > this.limits.pongTimeoutMs) {
      this.logger.warn('cluster link silent; dropping it', { peer: this.peerId, silentMs });
      this.close(ClusterCloseCode.SILENT, 'cluster peer silent');
      this.socket.terminate(); // a silent peer would not finish the closing handshake either
      return;
    }
    this.socket.ping();
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED) return this.#onClosed();
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 2000).unref();
    this.#onClosed();
  }

  #onClosed(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pinger);
    this.#full = [];
    this.#batch = [];
    this.emit('close');
  }
}
