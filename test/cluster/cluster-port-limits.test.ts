import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { relayMessage, type RelayMessage } from '../../src/cluster/link-messages.js';
import { dialClusterPort, openRawConnection, startClusterPort, TEST_PORT_LIMITS, type TestClusterPort } from '../helpers/cluster-port.js';

/**
 * What a cluster port lets a peer do before it proved it holds the cluster secret: send small HTTP
 * headers (CLUSTER_MAX_HANDSHAKE_BYTES), for CLUSTER_HANDSHAKE_TIMEOUT_MS, on at most
 * CLUSTER_MAX_UNAUTHENTICATED connections at once. No WebSocket frame is read before that.
 */

const relay: RelayMessage = relayMessage('r1', 'follower', {
  audience: { kind: 'user', user: 'b', seq: 1 },
  event: { action: 'chat', data: { id: 'e1', from: 'a', to: 'b', message: 'still here', format: 'text', ts: 1 } },
});

/** A real peer authenticates, and what it sends arrives: the port still works. */
async function assertServesAPeer(t: ExecutionContext, port: TestClusterPort): Promise<void> {
  const dialed = await dialClusterPort(t, port.port);
  const follower = await port.nextLink();
  const arrived = once(follower, 'messages') as Promise<[{ t: string; id?: string }[]]>;
  t.true(dialed.send(relay));
  const [messages] = await arrived;
  t.deepEqual(messages.map((m) => m.id), ['r1']);
}

test('a peer that sends more than the handshake allows before authenticating is answered 431 and closed', async (t) => {
  const port = await startClusterPort(t);
  for (const path of ['/cluster/challenge', '/cluster/link']) {
    const peer = await openRawConnection(t, port.port);
    // One write, well over the limit, so the port reads all of it before it answers.
    const padding = 'a'.repeat(TEST_PORT_LIMITS.maxHandshakeBytes + 4096);
    peer.socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Padding: ${padding}\r\n\r\n`);
    await peer.closed;
    t.regex(peer.received(), /^HTTP\/1\.1 431 /, path);
  }
  t.is(port.accepted.length, 0);
  await assertServesAPeer(t, port);
});

test('a WebSocket frame sent without a handshake is never read as one: the peer is answered 400 and closed', async (t) => {
  const port = await startClusterPort(t);
  const peer = await openRawConnection(t, port.port);
  // The header of a 1 MiB binary frame, and the start of its payload.
  const frame = Buffer.alloc(10 + 4096);
  frame.set([0x82, 127, 0, 0, 0, 0, 0, 0x10, 0, 0]);
  peer.socket.write(frame);
  await peer.closed;
  t.regex(peer.received(), /^HTTP\/1\.1 400 /);
  t.is(port.accepted.length, 0);
  await assertServesAPeer(t, port);
});

test('a peer that never completes the handshake is closed at the handshake deadline', async (t) => {
  const port = await startClusterPort(t, { ...TEST_PORT_LIMITS, handshakeTimeoutMs: 300 });
  const silent = await openRawConnection(t, port.port);
  const slow = await openRawConnection(t, port.port);
  slow.socket.write('GET /cluster/link HTTP/1.1\r\nHost: x\r\n'); // and never the rest
  await Promise.all([silent.closed, slow.closed]);
  t.is(port.accepted.length, 0);
  await assertServesAPeer(t, port);
});

test('connections over the unauthenticated cap are closed at once, while the earlier ones stay served', async (t) => {
  const port = await startClusterPort(t, { ...TEST_PORT_LIMITS, maxUnauthenticated: 3 });
  const earlier = [await openRawConnection(t, port.port), await openRawConnection(t, port.port), await openRawConnection(t, port.port)];
  const extra = await openRawConnection(t, port.port);
  await extra.closed;
  t.is(extra.received(), '', 'refused without an answer');

  // Each earlier connection is still open and gets an answer (404: no nonce is used up).
  for (const peer of earlier) {
    t.false(peer.socket.destroyed);
    peer.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
  }
  await Promise.all(earlier.map((peer) => peer.closed));
  for (const peer of earlier) t.regex(peer.received(), /^HTTP\/1\.1 404 /);
  await assertServesAPeer(t, port);
});
