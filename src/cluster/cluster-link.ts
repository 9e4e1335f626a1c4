import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import { parseLinkFrame, type LinkMessage } from './link-messages.js';

/** Close codes of the cluster port. */
export const ClusterCloseCode = {
  AUTH_FAILED: 4401,
  BAD_FRAME: 4400,
  SLOW_PEER: 4408,
  REPLACED: 4409,
  SHUTDOWN: 1001,
} as const;

export interface ClusterLinkEvents {
  messages: [messages: LinkMessage[]];
  close: [];
}

export interface LinkLimits {
  /** Unsent bytes on the socket before the peer counts as stuck and the link is dropped. */
  maxBufferedBytes: number;
  /** Messages waiting for the next frame; past it the link is dropped (senders retry after reconnect). */
  maxBatch: number;
}

/**
 * An authenticated connection to another node. Messages sent during one event-loop turn
 * leave as a single frame: relaying through the leader costs one frame per link per turn,
 * not one per message.
 */
export class ClusterLink extends EventEmitter<ClusterLinkEvents> {
  #batch: LinkMessage[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(readonly peerId: string, private readonly socket: WebSocket, private readonly limits: LinkLimits, private readonly logger: Logger) {
    super();
    socket.on('message', (data, isBinary) => {
      const messages = isBinary ? null : parseLinkFrame(data.toString());
      if (!messages) {
        this.logger.warn('bad frame on cluster link', { peer: peerId });
        this.close(ClusterCloseCode.BAD_FRAME, 'bad cluster frame');
        return;
      }
      this.emit('messages', messages);
    });
    socket.on('close', () => this.#onClosed());
    socket.on('error', (err) => this.logger.info('cluster link error', { peer: peerId, err: err.message }));
  }

  get isOpen(): boolean {
    return !this.#closed && this.socket.readyState === this.socket.OPEN;
  }

  send(message: LinkMessage): boolean {
    if (!this.isOpen) return false;
    if (this.#batch.length >= this.limits.maxBatch) {
      this.close(ClusterCloseCode.SLOW_PEER, 'cluster link backlog full');
      return false;
    }
    this.#batch.push(message);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
    return true;
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0 || !this.isOpen) return;
    if (this.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.close(ClusterCloseCode.SLOW_PEER, 'cluster peer reads too slowly');
      return;
    }
    this.socket.send(JSON.stringify(batch));
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
    this.#batch = [];
    this.emit('close');
  }
}
