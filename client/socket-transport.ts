import WebSocket, { type RawData } from 'ws';
import { ZkchatError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { sendFrame } from '../core/net.js';
import { CloseCode } from '../protocol/codes.js';
import { isReplyFrame, requestFrame, type ServerFrame } from '../protocol/frames.js';
import { ConnectionError, describeSocketError, errorText, formatSeconds } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { PendingRequests } from './pending-requests.js';
import { decodeServerFrame, frameText, readErrorData } from './server-frames.js';

export interface SocketTransportOptions {
  /** How long opening a WebSocket may take. */
  connectTimeoutMs: number;
  /** Requests waiting for an answer at once; more fail at once. */
  maxPendingRequests: number;
  /** Unsent bytes tolerated before the connection counts as stuck. */
  maxBufferedBytes: number;
  /** Interval of our own WebSocket pings; 0 turns them off. */
  heartbeatMs: number;
  /** Silence after which the connection is dropped. */
  heartbeatTimeoutMs: number;
  logger: Logger;
}

/** What the transport hands on to the client it carries. */
export interface SocketTransportHost {
  /** A frame that answers no waiting request: an event, or an error frame no request is blamed for. */
  frame(frame: ServerFrame): void;
  /** The open socket closed (or failed to open); `reason` says the heartbeat gave up where it did. */
  closed(code: number, reason: string): void;
  /** Why a request cannot be sent now, in the client's words. */
  notConnected(): ConnectionError;
}

/** How long close() waits for the close handshake before cutting the connection. */
const CLOSE_HANDSHAKE_MS = 1000;

/**
 * One WebSocket at a time to a chat node: opening it (with a deadline and a heartbeat), requests
 * with ids and timeouts matched to their replies, other frames handed on, and its close. Every
 * request still waiting fails when the socket goes. Knows nothing of logins or reconnects.
 */
export class SocketTransport {
  readonly #pending: PendingRequests;
  readonly #heartbeat: Heartbeat;
  #socket: WebSocket | null = null;
  /** The socket the heartbeat gave up on: its close is reported with that reason. */
  #silentSocket: WebSocket | null = null;
  #nextId = 0;

  constructor(
    private readonly options: SocketTransportOptions,
    private readonly host: SocketTransportHost,
  ) {
    this.#pending = new PendingRequests(options.maxPendingRequests);
    this.#heartbeat = new Heartbeat({ intervalMs: options.heartbeatMs, timeoutMs: options.heartbeatTimeoutMs }, () => {
      this.#silentSocket = this.#socket;
      options.logger.info('the server went silent: dropping the connection', { timeoutMs: options.heartbeatTimeoutMs });
    });
  }

  /** Whether a socket is there (open, or opening). */
  get isOpen(): boolean {
    return this.#socket !== null;
  }

  /** Opens a socket and resolves once it is open; its later close goes to host.closed(). */
  open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = new WebSocket(url, { handshakeTimeout: this.options.connectTimeoutMs });
      } catch (err) {
        reject(new ConnectionError(`"${url}" is not a WebSocket address: ${errorText(err)}`));
        return;
      }
      this.#socket = socket;
      const onFailure = (err: Error) => reject(new ConnectionError(`could not reach ${url}: ${describeSocketError(err)}`));
      socket.once('error', onFailure);
      socket.once('open', () => {
        socket.off('error', onFailure);
        this.#heartbeat.start(socket);
        resolve();
      });
      // Errors after opening are followed by 'close', which is where they are handled.
      socket.on('error', (err) => this.options.logger.debug('socket error', { err: err.message }));
      socket.on('message', (raw, isBinary) => this.#onMessage(raw, isBinary));
      socket.on('ping', () => this.#heartbeat.heard());
      socket.on('pong', () => this.#heartbeat.heard());
      socket.on('close', (code, reason) => this.#onClose(socket, code, reason.toString()));
    });
  }

  /** Sends one request and resolves with the data of its reply; rejects on an error frame, on timeout or on close. */
  send(action: string, data: unknown, timeoutMs: number): Promise<unknown> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(this.host.notConnected());
    const id = `c${(++this.#nextId).toString(36)}`;
    let reply: Promise<unknown>;
    try {
      reply = this.#pending.add(id, action, timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    const sent = sendFrame(socket, requestFrame(id, action, data), { maxBufferedBytes: this.options.maxBufferedBytes });
    if (sent !== 'sent') {
      this.#pending.reject(id, new ConnectionError(sent === 'slow' ? 'the server stopped reading: reconnecting' : 'not connected to the server'));
    }
    return reply;
  }

  /** Gives up on the socket at once (a failed reconnect): what waits fails with `reason`, and no close is reported. */
  abandon(reason: ConnectionError): void {
    this.#detach(reason)?.terminate();
  }

  /** Closes the socket normally (what waits fails with `reason`), cutting it if the handshake takes over a second; no close is reported. */
  async close(reason: ConnectionError): Promise<void> {
    const socket = this.#detach(reason);
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close(CloseCode.NORMAL, 'client closed');
    const timer = setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_MS);
    await closed;
    clearTimeout(timer);
  }

  #onMessage(raw: RawData, isBinary: boolean): void {
    this.#heartbeat.heard();
    const frame = isBinary ? null : decodeServerFrame(frameText(raw));
    if (!frame) {
      this.options.logger.warn('ignored unreadable frame from the server');
      return;
    }
    if (isReplyFrame(frame)) {
      if (!this.#pending.resolve(frame.replyTo, frame.data)) this.options.logger.debug('late reply', { replyTo: frame.replyTo });
      return;
    }
    if (frame.action === 'error' && this.#rejectWaiting(frame)) return;
    this.host.frame(frame);
  }

  /** An error frame that answers a waiting request fails it; returns whether one was waiting. */
  #rejectWaiting(frame: ServerFrame): boolean {
    const replyTo = 'replyTo' in frame ? frame.replyTo : null;
    // replyTo null: the server could not read a request id; nothing waiting can be blamed.
    if (typeof replyTo !== 'string') return false;
    const { code, message } = readErrorData(frame.data);
    return this.#pending.reject(replyTo, new ZkchatError(code, message));
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    const silent = socket === this.#silentSocket;
    this.#silentSocket = null;
    this.#detach(new ConnectionError('the connection closed before the server answered'));
    this.host.closed(code, silent ? `no answer from the server for ${formatSeconds(this.options.heartbeatTimeoutMs)}` : reason);
  }

  /** Lets go of the socket: no more heartbeat, what waits fails with `reason`. */
  #detach(reason: ConnectionError): WebSocket | null {
    const socket = this.#socket;
    this.#socket = null;
    this.#heartbeat.stop();
    this.#pending.rejectAll(reason);
    return socket;
  }
}
