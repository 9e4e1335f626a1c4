import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { sendText, type SendResult } from '../../core/net.js';
import type { Logger } from '../../core/logger.js';
import { RateLimiter, type RateDecision, type RateLimitOptions } from '../../core/rate-limiter.js';
import { CloseCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import { userKey } from '../../protocol/actions.js';
import type { DeviceConnection } from '../delivery/local-delivery.js';
import type { ConnectionLimits } from '../limits.js';
import { NO_CLIENT_METRICS, type ClientMetrics } from '../metrics/client-metrics.js';

/** How long a closed connection's peer gets to answer our close frame. */
const CLOSE_HANDSHAKE_MS = 2000;

/** One rate-limit settings object per node's limits, shared by all its connections. */
const rateOptions = new WeakMap<ConnectionLimits, RateLimitOptions>();

function rateOptionsOf(limits: ConnectionLimits): RateLimitOptions {
  let options = rateOptions.get(limits);
  if (!options) rateOptions.set(limits, (options = { ratePerSecond: limits.ratePerSecond, burst: limits.rateBurst, floodAllowance: limits.floodAllowance }));
  return options;
}

/**
 * One client WebSocket on this node, and who is logged in on it. A node holds tens of thousands of
 * these, mostly idle: what only a busy connection needs (its rate bucket, its request queue, a child
 * logger) is made when used and dropped when idle again, and timers are the server's, shared by all.
 */
export class ClientConnection implements DeviceConnection {
  /** The logged-in user's stored spelling, and their key (case-folded), or null. */
  username: string | null = null;
  user: string | null = null;
  /** The device name the client gave at login ('' for none): its acknowledged position is kept under it. */
  device = '';
  /** The id of the resume token this login handed out (logout revokes it). */
  resumeTokenId: string | null = null;
  loginAt = 0;
  /** The client's address (for per-address limits): the peer's, or the one a trusted proxy forwarded. */
  readonly ip: string;
  /** Null while the bucket is full (a new one decides the same). */
  #rate: RateLimiter | null = null;
  #pending = 0;
  /** The last queued request; null while none is queued. */
  #tail: Promise<void> | null = null;
  /** The heartbeat round whose ping is still unanswered; 0: none. */
  #unansweredPing = 0;
  #corked = false;

  /** `wire`: the TCP socket under `socket`, corked for the rest of a turn once a frame is sent. */
  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    private readonly wire: Socket,
    private readonly limits: ConnectionLimits,
    private readonly nodeLogger: Logger,
    readonly metrics: ClientMetrics = NO_CLIENT_METRICS,
    ip: string = wire.remoteAddress ?? '',
  ) {
    this.ip = ip;
  }

  /** A logger that names this connection; made per use, as connections rarely log. */
  get logger(): Logger {
    return this.nodeLogger.child({ conn: this.id });
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
    this.#tail = (this.#tail ?? Promise.resolve()).then(task).finally(() => {
      if (--this.#pending === 0) this.#tail = null;
    });
    return true;
  }

  /** Takes a token from the connection's rate bucket (see RateLimiter). */
  takeRateToken(): RateDecision {
    this.#rate ??= new RateLimiter(rateOptionsOf(this.limits));
    return this.#rate.take();
  }

  /** Requests of this connection queued or being handled. */
  get pendingRequests(): number {
    return this.#pending;
  }

  /**
   * Heartbeat round `round` (a positive number, counting up): sends a WebSocket ping, unless the
   * ping of an earlier round is still unanswered; drops the rate bucket if it is full again.
   */
  heartbeat(round: number): void {
    if (this.#rate?.isFull()) this.#rate = null;
    if (!this.isOpen || this.#unansweredPing !== 0) return;
    this.#unansweredPing = round;
    this.socket.ping();
  }

  /** The peer answered a ping. */
  ponged(): void {
    this.#unansweredPing = 0;
  }

  /** The answer time of round `round` is over: without a pong to its ping, the connection is closed. */
  checkPong(round: number): void {
    if (this.#unansweredPing !== round) return;
    this.logger.info('heartbeat timeout', { user: this.username });
    this.close(CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
  }
}
