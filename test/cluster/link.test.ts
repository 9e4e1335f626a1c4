import { once } from 'node:events';
import test from 'ava';
import WebSocket from 'ws';
import { createLogger, type Logger } from '../../core/logger.js';
import { ClusterCloseCode } from '../../protocol/codes.js';
import { dialPeer } from '../../src/cluster/dial.js';
import { CHALLENGE_PATH, Header, LINK_PATH, LINK_PROTOCOL, mac } from '../../src/cluster/handshake.js';
import { relayMessage, type RelayMessage } from '../../src/cluster/link-messages.js';
import {
  dialClusterPort as dial,
  openRawConnection,
  startClusterPort as clusterPort,
  TEST_PORT_LIMITS as limits,
  TEST_SECRET as SECRET,
} from '../helpers/cluster-port.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const relay = (i: number, message = `m${i}`): RelayMessage =>
  relayMessage(`r${i}`, 'follower', { audience: { kind: 'user', user: 'b', seq: i }, event: { action: 'chat', data: { id: `e${i}`, from: 'a', to: 'b', message, format: 'text', ts: i } } });

const relayIds = (messages: readonly { t: string; id?: string }[]) => messages.map((m) => (m.t === 'relay' ? m.id : m.t));

/** A logger that keeps every line, to wait for a particular message. */
function recordingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  return { lines, logger: createLogger('debug', {}, (line) => void lines.push(JSON.parse(line) as Record<string, unknown>)) };
}

test('relays sent in one event-loop turn leave as one frame, in order', async (t) => {
  const { port, nextLink } = await clusterPort(t);
  const dialed = await dial(t, port);
  const follower = await nextLink();
  const frames: (string | undefined)[][] = [];
  follower.on('messages', (messages) => frames.push(relayIds(messages)));

  for (let i = 0; i < 100; i++) dialed.send(relay(i));
  await once(follower, 'messages');
  dialed.send({ t: 'load', connections: 3 });
  await once(follower, 'messages');

  t.is(frames.length, 2, 'one frame for the burst, one for the later message');
  t.deepEqual(frames[0], Array.from({ length: 100 }, (_, i) => `r${i}`));
  t.deepEqual(frames[1], ['load']);
});

test('a burst larger than the frame limit is cut into frames the peer accepts, in order', async (t) => {
  // The peer refuses (1009) any frame over 64 KiB; the burst is about 24 × 64 KiB.
  const small = { ...limits, maxFrameBytes: 64 * 1024, maxBufferedBytes: 8 << 20 };
  const { port, nextLink } = await clusterPort(t, small);
  const dialed = await dial(t, port, { linkLimits: small });
  const follower = await nextLink();
  const received: (string | undefined)[] = [];
  let frames = 0;
  follower.on('messages', (messages) => (frames++, received.push(...relayIds(messages))));
  const closed = new Promise<'closed'>((resolve) => follower.once('close', () => resolve('closed')));

  // 4000 characters that JSON escapes to 6 bytes each: about 24 KB per relay.
  const heavy = '\u0001'.repeat(4000);
  for (let i = 0; i < 64; i++) t.true(dialed.send(relay(i, heavy)));
  const all = new Promise<'all'>((resolve) => follower.on('messages', () => received.length === 64 && resolve('all')));
  t.is(await Promise.race([all, closed]), 'all', 'every relay arrived before anyone closed the link');
  t.deepEqual(received, Array.from({ length: 64 }, (_, i) => `r${i}`));
  t.true(frames > 1, `${frames} frames`);
  t.true(follower.isOpen && dialed.isOpen);
});

test('a message too large for any frame is refused, and the link stays up', async (t) => {
  const small = { ...limits, maxFrameBytes: 64 * 1024 };
  const { port } = await clusterPort(t, small);
  const dialed = await dial(t, port, { linkLimits: small });
  t.false(dialed.send(relay(1, 'x'.repeat(70 * 1024))));
  t.true(dialed.send(relay(2)));
  t.true(dialed.isOpen);
});

test('both ends identify each other, and a wrong secret never yields a link', async (t) => {
  const { port, nextLink } = await clusterPort(t);
  const dialed = await dial(t, port);
  t.is(dialed.peerId, 'follower');
  t.is((await nextLink()).peerId, 'leader');
  await t.throwsAsync(dial(t, port, { secret: 'not-the-secret-0123456789' }), { message: /cluster handshake with follower .* failed: refused with HTTP 401/ });
});

test('a peer of another link protocol that proves the secret is refused with 426, and says why', async (t) => {
  const { logger, lines } = recordingLogger();
  const { port, accepted } = await clusterPort(t, limits, logger);
  const { nonce } = (await (await fetch(`http://127.0.0.1:${port}${CHALLENGE_PATH}`)).json()) as { nonce: string };
  // What a node of the previous version sends: the handshake without the protocol header.
  const older = new WebSocket(`ws://127.0.0.1:${port}${LINK_PATH}`, {
    headers: { [Header.NODE]: 'old-node', [Header.NONCE]: nonce, [Header.CLIENT_NONCE]: 'c1', [Header.MAC]: mac(SECRET, 'client', nonce, 'old-node') },
  });
  older.on('error', () => undefined);
  const [, response] = (await once(older, 'unexpected-response')) as [unknown, { statusCode: number }];
  older.terminate();
  t.is(response.statusCode, 426);
  t.is(accepted.length, 0);
  t.true(lines.some((l) => l.msg === 'cluster peer rejected' && String(l.why).startsWith(`peer speaks link protocol 1, this node ${LINK_PROTOCOL}`)));
  // Its own version still links.
  t.is((await dial(t, port)).peerId, 'follower');
});

test('the cluster port answers a client (no handshake) with 401 before any frame, and unknown paths with 404', async (t) => {
  const { logger, lines } = recordingLogger();
  const { port, accepted } = await clusterPort(t, limits, logger);
  for (const [path, status] of [['/cluster/link', 401], ['/', 404]] as const) {
    const client = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    client.on('error', () => undefined);
    const [, response] = (await once(client, 'unexpected-response')) as [unknown, { statusCode: number }];
    t.is(response.statusCode, status);
    client.terminate();
  }
  t.is(accepted.length, 0);
  t.true(lines.some((l) => l.msg === 'cluster peer rejected' && l.why === 'no cluster handshake headers'));
});

test('connections that have not authenticated are capped and timed out', async (t) => {
  const tight = { ...limits, maxUnauthenticated: 3, handshakeTimeoutMs: 800 };
  const { port } = await clusterPort(t, tight);
  const open = () => openRawConnection(t, port);
  const idle = await Promise.all([open(), open(), open()]);
  const extra = await open();
  t.true(await extra.closed, 'the connection over the cap is dropped at once');
  // The idle ones are dropped at their handshake deadline: wait for it, then a real peer gets in.
  t.deepEqual(await Promise.all(idle.map((s) => s.closed)), [true, true, true]);
  const link = await dial(t, port, { linkLimits: tight });
  t.true(link.isOpen);
});

test('a link whose backlog passes its bound closes instead of growing', async (t) => {
  const { port } = await clusterPort(t);
  const dialed = await dial(t, port);
  const closed = new Promise<void>((resolve) => dialed.once('close', () => resolve()));
  let accepted = 0;
  const message = 'y'.repeat(10_000);
  for (let i = 0; i < 200; i++) if (dialed.send(relay(i, message))) accepted++;
  await closed;
  t.true(accepted < 200 && accepted > 50, `${accepted} accepted`);
  t.false(dialed.isOpen);
});

test('a frozen link is noticed by the ping deadline and closed with 4410', async (t) => {
  const pinging = { ...limits, pingIntervalMs: 50, pongTimeoutMs: 1000 };
  const { port, nextLink } = await clusterPort(t, pinging);
  const proxy = await startTcpProxy(t, `127.0.0.1:${port}`);
  const { logger, lines } = recordingLogger();
  const dialed = await dialPeer(`ws://${proxy.address}`, 'follower', 'leader', SECRET, pinging, logger, 2000);
  t.teardown(() => dialed.close(1000, 'done'));
  const follower = await nextLink();
  const closed = new Promise<void>((resolve) => dialed.once('close', () => resolve()));
  // Quiet for two deadlines, yet pings keep it up: a relay sent afterwards still arrives.
  await new Promise((resolve) => setTimeout(resolve, pinging.pongTimeoutMs * 2));
  dialed.send(relay(1));
  await once(follower, 'messages');
  t.true(dialed.isOpen, 'a quiet but answering link stays up');
  proxy.freeze();
  await closed;
  t.true(lines.some((l) => l.msg === 'cluster link silent; dropping it'));
  t.is(ClusterCloseCode.SILENT, 4410);
});
