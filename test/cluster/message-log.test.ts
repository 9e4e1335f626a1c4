import test from 'ava';
import type { ChatEventData, InboxEvent, InboxPosition } from '../../protocol/actions.js';
import { eventually, startCluster } from '../helpers/cluster.js';
import { freePort } from '../helpers/spawn.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { dataOf, loggedInClient } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

const chatEvents = (client: TestClient) => client.events('chat').map((f) => dataOf<ChatEventData>(f));
const loginInbox = (client: TestClient) => dataOf<{ inbox: InboxPosition }>(client.frames.filter((f) => f.action === 'login').at(-1)!).inbox;

/** A device's cursor: the last seq it has seen with nothing missing before it. */
function contiguousCursor(start: number, events: readonly ChatEventData[]): number {
  const seqs = new Set(events.map((e) => e.seq));
  let cursor = start;
  while (seqs.has(cursor + 1)) cursor++;
  return cursor;
}

async function syncAll(client: TestClient, after: number, epoch: string): Promise<ChatEventData[]> {
  const events: ChatEventData[] = [];
  for (let cursor = after, head = Infinity; cursor < head; ) {
    const reply = await client.request('sync', { after: cursor, epoch, limit: 1000 });
    const data = dataOf<{ events: InboxEvent[]; head: number; complete: boolean }>(reply);
    if (!data.complete) throw new Error(`incomplete sync: ${JSON.stringify(reply)}`);
    events.push(...data.events.flatMap((e) => (e.action === 'chat' ? [e.data] : [])));
    head = data.head;
    cursor = data.events.at(-1)?.data.seq ?? head;
  }
  return events;
}

test.serial("acked messages survive kill -9 of the recipient's node, then of every node: the device gets them all with sync", async (t) => {
  const cluster = await startCluster(t, 3);
  const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const alice = await loggedInClient(n2.clientPort);
  const bob = await loggedInClient(n3.clientPort);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const start = loginInbox(bob.client);

  const sent: string[] = [];
  const send = async (message: string) => {
    const reply = await alice.client.request('chat', { to: bob.username, message, clientMsgId: message });
    t.is(reply.action, 'chat', JSON.stringify(reply));
    sent.push(message);
  };
  for (let i = 0; i < 5; i++) await send(`before ${i}`);
  await bob.client.next(() => chatEvents(bob.client).length === 5);

  n3.proc.child.kill('SIGKILL');
  for (let i = 0; i < 5; i++) await send(`after ${i}`);
  // And then every node dies: only Redis holds the messages now.
  n1.proc.child.kill('SIGKILL');
  n2.proc.child.kill('SIGKILL');
  await Promise.all([n1, n2, n3].map((n) => n.proc.exited));
  const fresh = await cluster.addNode();

  const live = chatEvents(bob.client);
  const again = await TestClient.connect(fresh.clientPort);
  t.teardown(() => again.close());
  t.is((await again.request('login', { username: bob.username, password: 'correct-horse' })).action, 'login');
  const cursor = contiguousCursor(start.head, live);
  const recovered = await syncAll(again, cursor, start.epoch);
  const bySeq = new Map([...live, ...recovered].map((e) => [e.seq, e.message]));
  t.deepEqual([...bySeq.entries()].sort(([a], [b]) => a - b).map(([, m]) => m), sent, 'every acknowledged message, once, in order');
});

test.serial('a frozen link is dropped at its ping deadline and redialled, and what was relayed meanwhile arrives', async (t) => {
  // node-2's cluster port is reached through a proxy, which the test can freeze.
  const node2ClusterPort = await freePort();
  const proxy = await startTcpProxy(t, `127.0.0.1:${node2ClusterPort}`);
  const cluster = await startCluster(t, 2, {
    env: { CLUSTER_PING_INTERVAL_MS: '100', CLUSTER_PONG_TIMEOUT_MS: '1000', CLUSTER_HANDSHAKE_TIMEOUT_MS: '1000', RELAY_TIMEOUT_MS: '60000' },
    nodeEnv: (id): Record<string, string> => (id === 'node-2' ? { CLUSTER_PORT: String(node2ClusterPort), PUBLIC_CLUSTER_PORT: String(proxy.port) } : {}),
  });
  const [n1, n2] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const alice = await loggedInClient(n1.clientPort);
  const bob = await loggedInClient(n2.clientPort);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  await alice.client.request('chat', { to: bob.username, message: 'through the proxy' });
  await bob.client.next(() => chatEvents(bob.client).length === 1);

  proxy.freeze();
  await n1.proc.waitForLog('cluster link silent; dropping it', 20_000);
  const reply = await alice.client.request('chat', { to: bob.username, message: 'while frozen' });
  t.like(reply.data, { online: true }, 'stored at once, the relay waits for a path');
  proxy.heal();
  await bob.client.next(() => chatEvents(bob.client).length === 2, 20_000);
  t.deepEqual(chatEvents(bob.client).map((e) => e.message), ['through the proxy', 'while frozen'], 'resent live on the new link, once');
});

test.serial('700 relays of 24 KB resent at once after a leader change get through, split under the frame limit', async (t) => {
  const cluster = await startCluster(t, 3, {
    // A slow takeover, so all 700 wait for the new path; a client buffer big enough to take them live.
    env: { ZK_SESSION_TIMEOUT_MS: '4000', RELAY_TIMEOUT_MS: '60000', MAX_BUFFERED_BYTES: String(64 << 20), RATE_LIMIT_PER_SEC: '10000', RATE_LIMIT_BURST: '10000' },
  });
  const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const alice = await loggedInClient(n2.clientPort);
  const bob = await loggedInClient(n3.clientPort);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  n1.proc.child.kill('SIGKILL');
  await n2.proc.waitForLog('cluster link closed');
  // 4000 characters that JSON escapes to 6 bytes each: 700 relays are about 16.8 MB, over one 16 MiB frame.
  const heavy = '\u0001'.repeat(3990);
  const ids = new Set<string>();
  for (let i = 0; i < 700; i++) {
    const reply = await alice.client.request('chat', { to: bob.username, message: `${String(i).padStart(4, '0')}${heavy}` });
    t.is(reply.action, 'chat');
    ids.add(dataOf<{ id: string }>(reply).id);
  }
  await eventually(async () => (chatEvents(bob.client).length >= 700 ? true : undefined), 60_000, 'all 700 to arrive live');
  const live = chatEvents(bob.client);
  t.is(live.length, 700, 'none twice');
  t.deepEqual(new Set(live.map((e) => e.id)), ids);
  t.notRegex(n3.proc.stdout() + n2.proc.stdout(), /bad frame on cluster link|larger than a link frame/);
});
