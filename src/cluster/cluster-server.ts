import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../../core/logger.js';
import { ClusterCloseCode, ClusterLink, type LinkLimits } from './cluster-link.js';
import { mac, macMatches, newNonce, parseHello } from './handshake.js';

const HANDSHAKE_TIMEOUT_MS = 5000;

/**
 * The cluster port: only peers proving they hold the shared secret get a ClusterLink.
 * Client frames never reach this port's handlers, and this port has no client actions.
 */
export class ClusterServer {
  #wss: WebSocketServer | null = null;

  constructor(
    private readonly selfId: string,
    private readonly secret: string,
    private readonly limits: LinkLimits & { maxFrameBytes: number },
    private readonly onLink: (link: ClusterLink) => void,
    private readonly logger: Logger,
  ) {}

  async listen(host: string, port: number): Promise<number> {
    const wss = new WebSocketServer({ host, port, maxPayload: this.limits.maxFrameBytes, clientTracking: true });
    this.#wss = wss;
    wss.on('connection', (socket, request) => this.#authenticate(socket, request.socket.remoteAddress ?? '?'));
    await once(wss, 'listening');
    const address = wss.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  #authenticate(socket: WebSocket, remote: string): void {
    const nonce = newNonce();
    const timer = setTimeout(() => reject('handshake timeout'), HANDSHAKE_TIMEOUT_MS);
    const reject = (why: string) => {
      clearTimeout(timer);
      this.logger.warn('cluster peer rejected', { remote, why });
      socket.close(ClusterCloseCode.AUTH_FAILED, 'cluster authentication failed');
      setTimeout(() => socket.terminate(), 1000).unref();
    };
    socket.on('error', () => undefined);
    socket.once('message', (data, isBinary) => {
      const hello = isBinary ? null : parseHello(data.toString());
      if (!hello) return reject('no valid hello');
      if (!macMatches(mac(this.secret, 'client', nonce, hello.nodeId), hello.mac)) return reject('wrong secret');
      clearTimeout(timer);
      socket.send(JSON.stringify({ t: 'welcome', nodeId: this.selfId, mac: mac(this.secret, 'server', hello.nonce, this.selfId) }));
      this.logger.info('cluster peer connected', { peer: hello.nodeId, remote });
      this.onLink(new ClusterLink(hello.nodeId, socket, this.limits, this.logger));
    });
    socket.send(JSON.stringify({ t: 'challenge', nonce }));
  }

  async close(): Promise<void> {
    const wss = this.#wss;
    if (!wss) return;
    for (const socket of wss.clients) socket.close(ClusterCloseCode.SHUTDOWN, 'node shutting down');
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    for (const socket of wss.clients) socket.terminate();
  }
}
