import test from 'ava';
import { silentLogger } from '../../core/logger.js';
import { ClusterServer } from '../../src/cluster/cluster-server.js';
import type { ClusterLink } from '../../src/cluster/cluster-link.js';
import { dialPeer } from '../../src/cluster/dial.js';
import type { ChatEventData } from '../../protocol/actions.js';

const limits = { maxFrameBytes: 1 << 20, maxBufferedBytes: 1 << 20, maxBatch: 1000 };
const SECRET = 'link-test-secret-0123456789';

async function linkedPair(t: import('ava').ExecutionContext, dialSecret = SECRET): Promise<{ dialed: ClusterLink; accepted: Promise<ClusterLink> }> {
  let resolveAccepted!: (link: ClusterLink) => void;
  const accepted = new Promise<ClusterLink>((resolve) => (resolveAccepted = resolve));
  const server = new ClusterServer('follower', SECRET, limits, resolveAccepted, silentLogger);
  const port = await server.listen('127.0.0.1', 0);
  t.teardown(() => server.close());
  const dialed = await dialPeer(`ws://127.0.0.1:${port}`, 'follower', 'leader', dialSecret, limits, silentLogger);
  t.teardown(() => dialed.close(1000, 'done'));
  return { dialed, accepted };
}

const event = (i: number): ChatEventData => ({ id: `e${i}`, from: 'a', to: 'b', message: `m${i}`, format: 'text', ts: i });

test('relays sent in one event-loop turn leave as one frame, in order', async (t) => {
  const { dialed, accepted } = await linkedPair(t);
  const follower = await accepted;
  const frames: string[][] = [];
  follower.on('messages', (messages) => frames.push(messages.map((m) => (m.t === 'relay' ? m.id : m.t))));

  for (let i = 0; i < 100; i++) dialed.send({ t: 'relay', id: `r${i}`, target: 'follower', event: event(i) });
  await new Promise((resolve) => setTimeout(resolve, 100));
  dialed.send({ t: 'load', connections: 3 });
  await new Promise((resolve) => setTimeout(resolve, 100));

  t.is(frames.length, 2, 'one frame for the burst, one for the later message');
  t.deepEqual(frames[0], Array.from({ length: 100 }, (_, i) => `r${i}`));
  t.deepEqual(frames[1], ['load']);
});

test('both ends identify each other, and a wrong secret never yields a link', async (t) => {
  const { dialed, accepted } = await linkedPair(t);
  t.is(dialed.peerId, 'follower');
  t.is((await accepted).peerId, 'leader');
  await t.throwsAsync(linkedPair(t, 'not-the-secret-0123456789'), { message: /cluster handshake with follower .* failed/ });
});

test('a link whose backlog passes its bound closes instead of growing', async (t) => {
  const { dialed } = await linkedPair(t);
  const closed = new Promise<void>((resolve) => dialed.once('close', () => resolve()));
  let accepted = 0;
  for (let i = 0; i < limits.maxBatch + 10; i++) if (dialed.send({ t: 'load', connections: i })) accepted++;
  await closed;
  t.is(accepted, limits.maxBatch);
  t.false(dialed.isOpen);
});
