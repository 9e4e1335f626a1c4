import type { WebSocket } from 'ws';
import { sendFrame, type SendResult } from '../../core/net.js';
import type { Logger } from '../../core/logger.js';
import { RateLimiter } from '../../core/rate-limiter.js';
import { CloseCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import type { ConnectionLimits } from '../config.js';

/** One client WebSocket on this node, and who is logged in on it. */
export class ClientConnection {
  username: string | null = null;
  loginAt = 0;
  readonly rate: RateLimiter;
  readonly logger: Logger;
  #pending = 0;
  #tail: Promise<void> = Promise.resolve();
  #pongTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    private readonly limits: ConnectionLimits,
    logger: Logger,
  ) {
    this.logger = logger.child({ conn: id });
    this.rate = new RateLimiter({ ratePerSecond: limits.ratePerSecond, burst: limits.rateBurst, floodAllowance: limits.floodAllowance });
    socket.on('pong', () => this.#clearPongTimer());
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  send(frame: object): SendResult {
    const result = sendFrame(this.socket, frame, this.limits);
    if (result === 'slow') this.logger.warn('closed slow consumer', { user: this.username, buffered: this.socket.bufferedAmount });
    return result;
  }

  reply(replyTo: string, action: string, data: unknown): SendResult {
    return this.send(replyFrame(replyTo, action, data));
  }

  event(action: string, data: unknown): SendResult {
    return this.send(eventFrame(action, data));
  }

  fail(replyTo: string | null, code: number, message: string): SendResult {
    return this.send(errorFrame(replyTo, code, message));
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED) return;
    this.socket.close(code, reason);
    // A dead peer never completes the closing handshake; do not wait ws's 30 s for it.
    setTimeout(() => this.socket.terminate(), 2000).unref();
  }

  /**
   * Runs requests of this connection one after another, so a user's messages keep their order.
   * Returns false when too many are already waiting: the caller treats that as a flood.
   */
  enqueue(task: () => Promise<void>): boolean {
    if (this.#pending >= this.limits.maxPendingRequests) return false;
    this.#pending++;
    this.#tail = this.#tail.then(task).finally(() => this.#pending--);
    return true;
  }

  /** Sends a WebSocket ping; without a pong in time the connection is closed. */
  heartbeat(): void {
    if (!this.isOpen || this.#pongTimer) return;
    this.#pongTimer = setTimeout(() => {
      this.logger.info('heartbeat timeout', { user: this.username });
      this.close(CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
    }, this.limits.heartbeatTimeoutMs);
    this.socket.ping();
  }

  dispose(): void {
    this.#clearPongTimer();
  }

  #clearPongTimer(): void {
    if (this.#pongTimer) clearTimeout(this.#pongTimer);
    this.#pongTimer = null;
  }
}
