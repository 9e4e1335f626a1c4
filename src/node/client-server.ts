import { once } from 'node:events';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import type { ConnectionLimits } from '../limits.js';
import { NO_CLIENT_METRICS, type ClientMetrics } from '../metrics/client-metrics.js';
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

/** The client port: accepts WebSockets, feeds text frames to the pipeline one at a time, runs heartbeats. */
export class ClientServer {
  readonly #connections = new Set<ClientConnection>();
  /** Open connections per peer address. */
  readonly #perIp = new Map<string, number>();
  #wss: WebSocketServer | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  #nextId = 0;

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly hooks: ClientServerHooks,
    private readonly logger: Logger,
    private readonly idPrefix: string,
    private readonly metrics: ClientMetrics = NO_CLIENT_METRICS,
  ) {}

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
    const wss = new WebSocketServer({ host, port, maxPayload: this.limits.maxFrameBytes, clientTracking: false });
    this.#wss = wss;
    wss.on('connection', (socket, request) => this.#accept(socket, request.socket as Socket));
    await once(wss, 'listening');
    this.#heartbeat = setInterval(() => {
      for (const conn of this.#connections) conn.heartbeat();
    }, this.limits.heartbeatIntervalMs);
    const address = wss.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  #accept(socket: WebSocket, wire: Socket): void {
    const conn = new ClientConnection(`${this.idPrefix}-${(++this.#nextId).toString(36)}`, socket, wire, this.limits, this.logger, this.metrics);
    this.#connections.add(conn);
    conn.logger.debug('connection opened');
    const fromIp = (this.#perIp.get(conn.ip) ?? 0) + 1;
    this.#perIp.set(conn.ip, fromIp);
    if (fromIp > this.limits.maxConnectionsPerIp) {
      conn.logger.warn('closing connection: too many from its address', { ip: conn.ip, connections: fromIp });
      conn.close(CloseCode.TOO_MANY_CONNECTIONS, 'too many connections from your address');
    }
    // A socket that never logs in would hold its resources for ever.
    const loginDeadline = setTimeout(() => {
      if (conn.username === null && conn.isOpen) conn.close(CloseCode.LOGIN_TIMEOUT, 'log in sooner after connecting');
    }, this.limits.loginTimeoutMs);
    loginDeadline.unref();

    socket.on('message', (data: RawData, isBinary: boolean) => {
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
    });
    // ws reports oversized frames here and closes with 1009 by itself.
    socket.on('error', (err) => conn.logger.info('connection error', { err: err.message, user: conn.username }));
    socket.on('close', (code) => {
      this.metrics.closed(code);
      clearTimeout(loginDeadline);
      const left = (this.#perIp.get(conn.ip) ?? 1) - 1;
      if (left > 0) this.#perIp.set(conn.ip, left);
      else this.#perIp.delete(conn.ip);
      conn.dispose();
      this.#connections.delete(conn);
      conn.logger.debug('connection closed', { code, user: conn.username });
      // Queue behind pending requests, so a login still in flight is undone too; if the queue is
      // full (a flood), clean up right away: pending requests see a closed socket anyway.
      if (!conn.enqueue(() => this.hooks.onClose(conn))) void this.hooks.onClose(conn);
    });
  }

  /** Stops accepting, closes every client with `code`, waits up to `graceMs` for them to go. */
  async close(code: number, reason: string, graceMs: number): Promise<ClientConnection[]> {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
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
