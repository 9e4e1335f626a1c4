import { once } from 'node:events';
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Logger } from '../../core/logger.js';
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import type { ConnectionLimits } from '../limits.js';
import { NO_CLIENT_METRICS, type ClientMetrics } from '../metrics/client-metrics.js';
import { clientAddress, type ProxyTrust } from './client-address.js';
import { BatchedDeadlines } from './batched-deadlines.js';
import { ClientConnection } from './client-connection.js';

export interface ClientServerHooks {
  onFrame(conn: ClientConnection, raw: string): Promise<void>;
  /**
   * Frames that skip the connection's request queue and rate bucket (acks: a device acking a busy
   * room must never be flood-closed for it, nor wait behind its own requests).
   */
  onUrgentFrame?: { matches(raw: string): boolean; handle(conn: ClientConnection, raw: string): Promise<void> };
  onClose(conn: ClientConnection): Promise<void>;
}

/**
 * The sockets of the client port know their connection, so one listener of each kind serves them
 * all: closures per socket would cost hundreds of bytes on every idle connection.
 */
class ClientSocket extends WebSocket {
  connection: ClientConnection | null = null;
}

/** The connection of a socket of this server (ws makes every socket of the server a ClientSocket). */
function connectionOf(socket: WebSocket): ClientConnection | null {
  return (socket as ClientSocket).connection;
}

function onPong(this: WebSocket): void {
  connectionOf(this)?.ponged();
}

/** Login deadlines expire at most this share of LOGIN_TIMEOUT_MS late (and at most a second): sockets that came that close together share a timer. */
const LOGIN_DEADLINE_SLACK_SHARE = 1 / 20;
const LOGIN_DEADLINE_SLACK_MAX_MS = 1000;

/** The client port: accepts WebSockets, feeds text frames to the pipeline one at a time, runs heartbeats. */
export class ClientServer {
  readonly #connections = new Set<ClientConnection>();
  /** Open connections per peer address. */
  readonly #perIp = new Map<string, number>();
  /** A socket that never logs in would hold its resources for ever. */
  readonly #loginDeadlines: BatchedDeadlines<ClientConnection>;
  readonly #listeners = this.#socketListeners();
  #wss: WebSocketServer | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #heartbeatRound = 0;
  /** One timer per heartbeat round, not per connection: it closes the connections that did not answer that round's ping. */
  readonly #pongChecks = new Set<NodeJS.Timeout>();
  #nextId = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly hooks: ClientServerHooks,
    private readonly logger: Logger,
    private readonly idPrefix: string,
    private readonly metrics: ClientMetrics = NO_CLIENT_METRICS,
    /** Peers whose X-Forwarded-For names the client (TRUST_PROXY); null: the peer is the client. */
    private readonly proxyTrust: ProxyTrust | null = null,
  ) {
    const slackMs = Math.min(LOGIN_DEADLINE_SLACK_MAX_MS, limits.loginTimeoutMs * LOGIN_DEADLINE_SLACK_SHARE);
    const waitingForLogin = (conn: ClientConnection) => conn.username === null && conn.isOpen;
    this.#loginDeadlines = new BatchedDeadlines(
      limits.loginTimeoutMs,
      slackMs,
      (conn) => {
        if (waitingForLogin(conn)) conn.close(CloseCode.LOGIN_TIMEOUT, 'log in sooner after connecting');
      },
      Date.now,
      waitingForLogin,
    );
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  /** One pass over the connections, for a metrics scrape. */
  stats(): { connections: number; loggedIn: number; bufferedBytes: number; pendingRequests: number } {
    let loggedIn = 0;
    let bufferedBytes = 0;
    let pendingRequests = 0;
    for (const conn of this.#connections) {
      if (conn.username !== null) loggedIn++;
      bufferedBytes += conn.socket.bufferedAmount;
      pendingRequests += conn.pendingRequests;
    }
    return { connections: this.#connections.size, loggedIn, bufferedBytes, pendingRequests };
  }

  async listen(host: string, port: number): Promise<number> {
    // Compression stays off: its zlib context would cost every socket tens of KiB.
    const wss = new WebSocketServer({ host, port, maxPayload: this.limits.maxFrameBytes, clientTracking: false, perMessageDeflate: false, WebSocket: ClientSocket });
    this.#wss = wss;
    wss.on('connection', (socket, request) => this.#accept(socket as ClientSocket, request.socket as Socket, clientAddress(request, this.proxyTrust)));
    await once(wss, 'listening');
    this.#heartbeat = setInterval(() => this.#heartbeatRoundStart(), this.limits.heartbeatIntervalMs);
    const address = wss.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  #heartbeatRoundStart(): void {
    const round = ++this.#heartbeatRound;
    for (const conn of this.#connections) conn.heartbeat(round);
    const check = setTimeout(() => {
      this.#pongChecks.delete(check);
      for (const conn of this.#connections) conn.checkPong(round);
    }, this.limits.heartbeatTimeoutMs);
    this.#pongChecks.add(check);
  }

  #accept(socket: ClientSocket, wire: Socket, ip: string): void {
    const conn = new ClientConnection(`${this.idPrefix}-${(++this.#nextId).toString(36)}`, socket, wire, this.limits, this.logger, this.metrics, ip);
    socket.connection = conn;
    this.#connections.add(conn);
    this.logger.debug('connection opened', { conn: conn.id });
    const fromIp = (this.#perIp.get(conn.ip) ?? 0) + 1;
    this.#perIp.set(conn.ip, fromIp);
    if (fromIp > this.limits.maxConnectionsPerIp) {
      conn.logger.warn('closing connection: too many from its address', { ip: conn.ip, connections: fromIp });
      conn.close(CloseCode.TOO_MANY_CONNECTIONS, 'too many connections from your address');
    }
    this.#loginDeadlines.add(conn);
    const listeners = this.#listeners;
    socket.on('message', listeners.message);
    // ws reports oversized frames here and closes with 1009 by itself.
    socket.on('error', listeners.error);
    socket.on('close', listeners.close);
    socket.on('pong', onPong);
  }

  /** The listeners every socket shares; `this` is the socket. */
  #socketListeners() {
    const server = this;
    return {
      message(this: WebSocket, data: RawData, isBinary: boolean): void {
        const conn = connectionOf(this);
        if (conn) server.#onMessage(conn, data, isBinary);
      },
      error(this: WebSocket, err: Error): void {
        const conn = connectionOf(this);
        conn?.logger.info('connection error', { err: err.message, user: conn.username });
      },
      close(this: WebSocket, code: number): void {
        const conn = connectionOf(this);
        if (conn) server.#onClose(conn, code);
      },
    };
  }

  #onMessage(conn: ClientConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.metrics.frameIn(null);
      conn.fail(null, ErrorCode.BAD_REQUEST, 'binary frames are not supported: send UTF-8 JSON text');
      return;
    }
    const raw = data.toString();
    const urgent = this.hooks.onUrgentFrame;
    if (urgent?.matches(raw)) return void urgent.handle(conn, raw);
    if (!conn.enqueue(() => this.hooks.onFrame(conn, raw))) {
      conn.logger.warn('closing connection: too many requests waiting', { user: conn.username });
      conn.close(CloseCode.FLOOD, 'flood: too many requests waiting');
    }
  }

  #onClose(conn: ClientConnection, code: number): void {
    this.metrics.closed(code);
    const left = (this.#perIp.get(conn.ip) ?? 1) - 1;
    if (left > 0) this.#perIp.set(conn.ip, left);
    else this.#perIp.delete(conn.ip);
    this.#connections.delete(conn);
    this.logger.debug('connection closed', { conn: conn.id, code, user: conn.username });
    // Queue behind pending requests, so a login still in flight is undone too; if the queue is
    // full (a flood), clean up right away: pending requests see a closed socket anyway.
    if (!conn.enqueue(() => this.hooks.onClose(conn))) void this.hooks.onClose(conn);
  }

  /** Stops accepting, closes every client with `code`, waits up to `graceMs` for them to go. */
  async close(code: number, reason: string, graceMs: number): Promise<ClientConnection[]> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    for (const check of this.#pongChecks) clearTimeout(check);
    this.#pongChecks.clear();
    this.#loginDeadlines.clear();
    const wss = this.#wss;
    if (!wss) return [];
    const closing = new Promise<void>((resolve) => wss.close(() => resolve()));
    const conns = [...this.#connections];
    const gone = conns.map((c) => (c.socket.readyState === c.socket.CLOSED ? Promise.resolve() : once(c.socket, 'close').then(() => undefined)));
    for (const conn of conns) conn.close(code, reason);
    await Promise.race([Promise.all(gone), new Promise((resolve) => setTimeout(resolve, graceMs))]);
    for (const conn of conns) conn.socket.terminate();
    await closing;
    return conns;
  }
}
