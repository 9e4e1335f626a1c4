import { once } from 'node:events';
import net from 'node:net';
import type { ExecutionContext } from 'ava';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { ClusterLink } from '../../src/cluster/cluster-link.js';
import { ClusterServer, type ClusterPortLimits } from '../../src/cluster/cluster-server.js';
import { dialPeer } from '../../src/cluster/dial.js';

/** Small, fast limits for a cluster port in a test; tests spread their own changes over them. */
export const TEST_PORT_LIMITS: ClusterPortLimits = {
  maxFrameBytes: 1 << 20,
  maxBufferedBytes: 1 << 20,
  pingIntervalMs: 50,
  pongTimeoutMs: 400,
  flushDelayMs: 0,
  handshakeTimeoutMs: 2000,
  maxUnauthenticated: 4,
  maxHandshakeBytes: 8 * 1024,
};
export const TEST_SECRET = 'link-test-secret-0123456789';

export interface TestClusterPort {
  port: number;
  accepted: ClusterLink[];
  /** The latest link accepted, or the next one. */
  nextLink(): Promise<ClusterLink>;
}

/** A cluster port of node `follower` on a free loopback port; closed at teardown. */
export async function startClusterPort(t: ExecutionContext, limits: ClusterPortLimits = TEST_PORT_LIMITS, logger: Logger = silentLogger): Promise<TestClusterPort> {
  const accepted: ClusterLink[] = [];
  const waiting: ((link: ClusterLink) => void)[] = [];
  const server = new ClusterServer('follower', TEST_SECRET, limits, (link) => {
    accepted.push(link);
    waiting.shift()?.(link);
  }, logger);
  const port = await server.listen('127.0.0.1', 0);
  t.teardown(() => server.close());
  return { port, accepted, nextLink: () => (accepted.length > 0 ? Promise.resolve(accepted.at(-1)!) : new Promise((resolve) => waiting.push(resolve))) };
}

export interface DialOptions {
  secret?: string;
  linkLimits?: ClusterPortLimits;
  logger?: Logger;
}

/** Dials the port as node `leader`, with the handshake a real node does; the link is closed at teardown. */
export async function dialClusterPort(t: ExecutionContext, port: number, options: DialOptions = {}): Promise<ClusterLink> {
  const link = await dialPeer(`ws://127.0.0.1:${port}`, 'follower', 'leader', options.secret ?? TEST_SECRET, options.linkLimits ?? TEST_PORT_LIMITS, options.logger ?? silentLogger, 2000);
  t.teardown(() => link.close(1000, 'done'));
  return link;
}

export interface RawConnection {
  socket: net.Socket;
  /** Everything the port sent on this connection so far. */
  received(): string;
  /** Resolves once the port closed the connection. */
  closed: Promise<true>;
}

/** A plain TCP connection to the port that has not authenticated: it sends only what the test writes. */
export async function openRawConnection(t: ExecutionContext, port: number): Promise<RawConnection> {
  const socket = net.connect(port, '127.0.0.1');
  t.teardown(() => socket.destroy());
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => void (received += chunk.toString('latin1')));
  const closed = once(socket, 'close').then(() => true as const);
  await once(socket, 'connect');
  return { socket, received: () => received, closed };
}
