import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { sendText, type SendResult } from '../../core/net.js';
import type { Logger } from '../../core/logger.js';
import { RateLimiter } from '../../core/rate-limiter.js';
import { CloseCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import { userKey } from '../../protocol/actions.js';
import type { DeviceConnection } from '../delivery/local-delivery.js';
import type { ConnectionLimits } from '../limits.js';
import { NO_CLIENT_METRICS, type ClientMetrics } from '../metrics/client-metrics.js';

/** How long a closed connection's peer gets to answer our close frame. */
const CLOSE_HANDSHAKE_MS = 2000;

/** One client WebSocket on this node, and who is logged in on it. */
export class ClientConnection implements DeviceConnection {
  /** The logged-in user's stored spelling, and their key (case-folded), or null. */
  username: string | null = null;
  user: string | null = null;
  /** The device name the client gave at login ('' for none): its acknowledged position is kept under it. */
  device = '';
  /** The id of the resume token this login handed out (logout revokes it). */
  resumeTokenId: string | null = null;
  loginAt = 0;
  readonly rate: RateLimiter;
  readonly logger: Logger;
  /** The peer's address (for per-address limits). */
  readonly ip: string;
  #pending = 0;
  #tail: Promise<void> = Promise.resolve();
  #pongTimer: NodeJS.Timeout | null = null;
  #corked = false;

  /** `wire`: the TCP socket under `socket`, corked for the rest of a turn once a frame is sent. */
  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    private readonly wire: Socket,
    private readonly limits: ConnectionLimits,
    logger: Logger,
    readonly metrics: ClientMetrics = NO_CLIENT_METRICS,
  ) {
    this.logger = logger.child({ conn: id });
    this.ip = wire.remoteAddress ?? '';
    this.rate = new RateLimiter({ ratePerSecond: limits.ratePerSecond, burst: limits.rateBurst, floodAllowance: limits.floodAllowance });
    socket.on('pong', () => this.#clearPongTimer());
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  logIn(username: string, at: number, device = ''): void {
    this.device = device;
    this.username = username;
    this.user = userKey(username);
    this.loginAt = at;
  }

  logOut(): void {
    this.device = '';
    this.resumeTokenId = null;
    this.username = null;
    this.user = null;
  }

  /** Sends an encoded event frame (delivery encodes one text for many sockets, as `bytes` too when it goes to several). */
  sendText(text: string, bytes?: Buffer): SendResult {
    const result = this.#write(bytes ?? text);
    if (result === 'sent') this.metrics.encodedFrameOut(text);
    return result;
  }

  send(frame: { action: string }): SendResult {
    const result = this.#write(JSON.stringify(frame));
    if (result === 'sent') this.metrics.frameOut(frame.action);
    return result;
  }

  #write(text: string | Buffer): SendResult {
    this.#corkForThisTurn();
    const result = sendText(this.socket, text, this.limits);
    if (result === 'slow') {
      this.logger.warn('closed slow consumer', { user: this.username, buffered: this.socket.bufferedAmount });
      // It gets the heartbeat deadline to read up to our close frame (and learn it was too slow).
      this.#terminateAfter(this.limits.heartbeatTimeoutMs);
    }
    return result;
  }

  reply(replyTo: string, action: string, data: unknown): SendResult {
    return this.send(replyFrame(replyTo, action, data));
  }

  event(action: string, data: unknown): SendResult {
    return this.send(eventFrame(action, data));
  }

  kick(reason: string): void {
    this.logger.info('kicked', { user: this.username, reason });
    this.event('redirectToLogin', { reason });
    this.close(CloseCode.KICKED, 'kicked: log in again');
  }

  fail(replyTo: string | null, code: number, message: string): SendResult {
    this.metrics.error(code);
    return this.send(errorFrame(replyTo, code, message));
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED) return;
    this.socket.close(code, reason);
    this.#terminateAfter(CLOSE_HANDSHAKE_MS);
  }

  /**
   * Frames sent to this client during one turn of the event loop (a reply and the events that came
   * in the same batch of Redis answers) leave in one write, not one system call each.
   */
  #corkForThisTurn(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.wire.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.wire.uncork();
    });
  }

  // A dead or stalled peer never completes the closing handshake; do not wait ws's 30 s for it.
  #terminateAfter(ms: number): void {
    setTimeout(() => this.socket.terminate(), ms).unref();
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

  /** Requests of this connection queued or being handled. */
  get pendingRequests(): number {
    return this.#pending;
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
