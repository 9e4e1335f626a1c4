import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Logger } from '../../core/logger.js';
import { ClusterCloseCode } from '../../protocol/codes.js';
import { ClusterLink, type LinkLimits } from './cluster-link.js';
import { CHALLENGE_PATH, Challenges, Header, headerToken, LINK_PATH, LINK_PROTOCOL, mac, macMatches } from './handshake.js';

/** The refusals of the link upgrade. */
const STATUS_TEXT = { 401: 'Unauthorized', 404: 'Not Found', 426: 'Upgrade Required' } as const;

export interface ClusterPortLimits extends LinkLimits {
  /** Time a connection gets to authenticate. */
  handshakeTimeoutMs: number;
  /** Connections that have not authenticated yet; more are dropped at once. */
  maxUnauthenticated: number;
  /** Header bytes of a request before authentication: enough for a challenge or an upgrade, far too little for anything else. */
  maxHandshakeBytes: number;
}

/**
 * The cluster port: an HTTP server that turns a connection into a ClusterLink only after the peer
 * proved it holds the shared secret (handshake.ts). Before that a connection can send nothing but
 * small HTTP headers, only `maxUnauthenticated` such connections exist at once, and each gets
 * `handshakeTimeoutMs`. Client frames never reach this port's handlers; it has no client actions.
 */
export class ClusterServer {
  readonly #unauthenticated = new Map<Duplex, NodeJS.Timeout>();
  readonly #challenges: Challenges;
  #http: Server | null = null;
  #wss: WebSocketServer | null = null;

  constructor(
    private readonly selfId: string,
    private readonly secret: string,
    private readonly limits: ClusterPortLimits,
    private readonly onLink: (link: ClusterLink) => void,
    private readonly logger: Logger,
  ) {
    this.#challenges = new Challenges(limits.handshakeTimeoutMs, limits.maxUnauthenticated);
  }

  async listen(host: string, port: number): Promise<number> {
    const { handshakeTimeoutMs, maxHandshakeBytes } = this.limits;
    const http = createServer({ maxHeaderSize: maxHandshakeBytes, requestTimeout: handshakeTimeoutMs, headersTimeout: handshakeTimeoutMs });
    const wss = new WebSocketServer({ noServer: true, maxPayload: this.limits.maxFrameBytes });
    this.#http = http;
    this.#wss = wss;
    http.on('connection', (socket) => this.#admit(socket));
    http.on('request', (request, response) => this.#challenge(request, response));
    http.on('upgrade', (request, socket, head) => this.#upgrade(request, socket, head));
    // Our proof for the peer's nonce, sent with the 101 response.
    wss.on('headers', (headers, request) => {
      const clientNonce = headerToken(request.headers[Header.CLIENT_NONCE]) ?? '';
      headers.push(`${Header.LINK_PROTOCOL}: ${LINK_PROTOCOL}`, `${Header.NODE}: ${this.selfId}`, `${Header.MAC}: ${mac(this.secret, 'server', clientNonce, this.selfId)}`);
    });
    http.listen(port, host);
    await once(http, 'listening');
    const address = http.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  #admit(socket: Duplex): void {
    if (this.#unauthenticated.size >= this.limits.maxUnauthenticated) {
      this.logger.warn('cluster port: too many unauthenticated connections; dropping one', { limit: this.limits.maxUnauthenticated });
      socket.destroy();
      return;
    }
    const timer = setTimeout(() => socket.destroy(), this.limits.handshakeTimeoutMs);
    this.#unauthenticated.set(socket, timer);
    socket.once('close', () => this.#forget(socket));
  }

  #forget(socket: Duplex): void {
    clearTimeout(this.#unauthenticated.get(socket));
    this.#unauthenticated.delete(socket);
  }

  #challenge(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader('connection', 'close');
    if (request.method !== 'GET' || request.url !== CHALLENGE_PATH) {
      response.writeHead(404).end();
      return;
    }
    const nonce = this.#challenges.issue();
    if (!nonce) {
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ nonce }));
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const remote = request.socket.remoteAddress ?? '?';
    const peerId = headerToken(request.headers[Header.NODE]);
    const nonce = headerToken(request.headers[Header.NONCE]);
    const refuse = (status: keyof typeof STATUS_TEXT, why: string) => {
      this.logger.warn('cluster peer rejected', { remote, peer: peerId ?? null, why });
      socket.end(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (request.url !== LINK_PATH) return refuse(404, `no such path ${JSON.stringify(request.url?.slice(0, 64))}`);
    if (!peerId || !nonce || !headerToken(request.headers[Header.CLIENT_NONCE])) return refuse(401, 'no cluster handshake headers');
    if (!this.#challenges.redeem(nonce)) return refuse(401, 'unknown or expired challenge');
    const proof = headerToken(request.headers[Header.MAC]);
    if (!macMatches(mac(this.secret, 'client', nonce, peerId), proof)) return refuse(401, 'wrong secret');
    // Told only to a peer that proved the secret.
    const protocol = request.headers[Header.LINK_PROTOCOL];
    if (protocol !== LINK_PROTOCOL) return refuse(426, `peer speaks link protocol ${typeof protocol === 'string' ? protocol.slice(0, 16) : '1'}, this node ${LINK_PROTOCOL}: run one version on every node`);
    this.#forget(socket);
    this.#wss?.handleUpgrade(request, socket, head, (ws) => {
      this.logger.info('cluster peer connected', { peer: peerId, remote });
      this.onLink(new ClusterLink(peerId, ws, this.limits, this.logger));
    });
  }

  async close(): Promise<void> {
    const { http: server, wss } = { http: this.#http, wss: this.#wss };
    if (!server || !wss) return;
    for (const socket of wss.clients) socket.close(ClusterCloseCode.SHUTDOWN, 'node shutting down');
    for (const socket of this.#unauthenticated.keys()) socket.destroy();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const socket of wss.clients) socket.terminate();
    await closed;
  }
}
