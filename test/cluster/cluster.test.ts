import test from 'ava';
import WebSocket from 'ws';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import type { ChatEventData } from '../../protocol/actions.js';
import type { ServerFrame } from '../../protocol/frames.js';
import { eventually, getJson, startCluster } from '../helpers/cluster.js';
import { dataOf, loggedInClient } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

type ServerReply = { id: string; url: string };
type ServersReply = { servers: Array<{ id: string; url: string; role: string; connections: number }> };

const chatEvents = (client: TestClient) => client.events('chat').map((f) => dataOf<ChatEventData>(f));

test.serial('gateway, routing through the leader, userInfo, follower death', async (t) => {
  const cluster = await startCluster(t, 3);
  const [n1, n2, n3] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];

  // The leader writes the server list; all three appear, node-1 as leader.
  const listed = await eventually(async () => {
    const { body } = await getJson<ServersReply>(cluster.gatewayPort, '/servers');
    return body.servers.length === 3 ? body.servers : undefined;
  }, 10_000, 'three servers listed');
  t.deepEqual(listed.map((s) => [s.id, s.role]), [['node-1', 'leader'], ['node-2', 'follower'], ['node-3', 'follower']]);

  // Load two clients onto node-2: the gateway now sends newcomers to node-3, the least-loaded follower.
  const alice = await loggedInClient(n2.clientPort);
  const extra = await TestClient.connect(n2.clientPort);
  const pick = await eventually(async () => {
    const { body } = await getJson<ServerReply>(cluster.gatewayPort, '/server');
    return body.id === 'node-3' ? body : undefined;
  }, 10_000, 'gateway to pick node-3');
  t.is(pick.url, `ws://127.0.0.1:${n3.clientPort}`);

  const bob = await loggedInClient(n3.clientPort);
  const carol = await loggedInClient(n1.clientPort);
  t.teardown(() => [alice.client, extra, bob.client, carol.client].forEach((c) => c.close()));

  // follower → leader → follower, both ways.
  const ab = await alice.client.request('chat', { to: bob.username, message: 'from node-2 to node-3' });
  t.is(ab.action, 'chat', JSON.stringify(ab));
  await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.deepEqual(chatEvents(bob.client).map((e) => [e.from, e.message, e.id]), [[alice.username, 'from node-2 to node-3', dataOf<{ id: string }>(ab).id]]);
  const ba = await bob.client.request('chat', { to: alice.username, message: 'back to node-2' });
  t.is(ba.action, 'chat', JSON.stringify(ba));
  await alice.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  // leader ↔ follower.
  t.is((await carol.client.request('chat', { to: alice.username, message: 'from the leader' })).action, 'chat');
  t.is((await alice.client.request('chat', { to: carol.username, message: 'to the leader' })).action, 'chat');
  await carol.client.next((f) => f.action === 'chat' && !('replyTo' in f));

  // A user with devices on two nodes gets the message on both, once each.
  const bobOnNode1 = await loggedInClient(n1.clientPort, bob.username);
  t.teardown(() => bobOnNode1.client.close());
  t.is((await alice.client.request('chat', { to: bob.username, message: 'both devices' })).action, 'chat');
  for (const device of [bob.client, bobOnNode1.client]) {
    await device.next(() => chatEvents(device).some((e) => e.message === 'both devices'));
    t.is(chatEvents(device).filter((e) => e.message === 'both devices').length, 1);
  }
  await bobOnNode1.client.request('logout');

  const info = await carol.client.request('userInfo', { username: bob.username });
  t.like(info.data, { username: bob.username, online: true, nodeId: 'node-3' });

  // A client port never accepts cluster actions.
  t.is(dataOf<{ code: number }>(await carol.client.request('relay', { target: 'node-2' })).code, 403);

  // Kill -9 a follower: its users go offline and the gateway stops offering it.
  n3.proc.child.kill('SIGKILL');
  await eventually(async () => {
    const reply = await carol.client.request('userInfo', { username: bob.username });
    return dataOf<{ online: boolean }>(reply).online === false ? true : undefined;
  }, 10_000, 'bob to show offline');
  // The leader removes the dead node's sessions from Redis, not just hides them.
  const redis = new Redis(cluster.services.redisUrl);
  t.teardown(() => redis.disconnect());
  await eventually(async () => ((await redis.exists(`${cluster.services.redisPrefix}session:${bob.username}`)) === 0 ? true : undefined), 10_000, "bob's session to be removed");
  // Stored for later, and the sender is told bob is offline.
  const chatToDead = await alice.client.request('chat', { to: bob.username, message: 'are you there?' });
  t.like(chatToDead.data, { online: false });
  const servers = await eventually(async () => {
    const { body } = await getJson<ServersReply>(cluster.gatewayPort, '/servers');
    return body.servers.some((s) => s.id === 'node-3') ? undefined : body.servers;
  }, 10_000, 'node-3 to leave the server list');
  t.deepEqual(servers.map((s) => s.id), ['node-1', 'node-2']);
  for (let i = 0; i < 5; i++) t.not((await getJson<ServerReply>(cluster.gatewayPort, '/server')).body.id, 'node-3');
});

/**
 * Sends numbered messages until `stop()` says so. A message counts as sent only once the server
 * acknowledged it; an unacknowledged one is resent with the same clientMsgId, as a real client does.
 */
async function sendStream(sender: TestClient, to: string, tag: string, until: () => boolean, deadline: number) {
  const acknowledged = new Map<string, { id: string; at: number }>();
  for (let i = 0; i < 200 && !until() && Date.now() < deadline; i++) {
    const message = `${tag}-${i}`;
    while (Date.now() < deadline) {
      const reply: ServerFrame = await sender.request('chat', { to, message, clientMsgId: message });
      if (reply.action === 'chat') {
        acknowledged.set(message, { id: dataOf<{ id: string }>(reply).id, at: Date.now() });
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return acknowledged;
}

test.serial('kill -9 the leader: a follower takes over and no acknowledged message is lost', async (t) => {
  const cluster = await startCluster(t, 3);
  const [n1, n2, n3] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
  // Two streams cross the leader in opposite directions: node-2 (the next leader) → node-3, and
  // node-3 (a follower before and after) → node-2.
  const a = await loggedInClient(n2.clientPort);
  const b = await loggedInClient(n3.clientPort);
  const c = await loggedInClient(n3.clientPort);
  const d = await loggedInClient(n2.clientPort);
  t.teardown(() => [a, b, c, d].forEach((u) => u.client.close()));
  t.is((await a.client.request('chat', { to: b.username, message: 'warm-up' })).action, 'chat');

  let killedAt = 0;
  const deadline = Date.now() + 40_000;
  const killer = new Promise<void>((resolve) => setTimeout(() => {
    n1.proc.child.kill('SIGKILL');
    killedAt = Date.now();
    resolve();
  }, 300));
  // Each stream stops once it has had 10 messages acknowledged after the kill.
  const enoughAfterKill = (acked: () => Map<string, { at: number }>) => () =>
    killedAt > 0 && [...acked().values()].filter((m) => m.at > killedAt).length >= 10;
  let ab = new Map<string, { id: string; at: number }>();
  let cd = new Map<string, { id: string; at: number }>();
  [ab, cd] = await Promise.all([
    sendStream(a.client, b.username, 'ab', enoughAfterKill(() => ab), deadline),
    sendStream(c.client, d.username, 'cd', enoughAfterKill(() => cd), deadline),
    killer,
  ]).then(([x, y]) => [x, y]);

  for (const [name, acked] of [['node-2 → node-3', ab], ['node-3 → node-2', cd]] as const) {
    const after = [...acked.values()].filter((m) => m.at > killedAt);
    t.true(after.length >= 10, `${name}: chat works again after the leader died`);
    const times = [...acked.values()].map((m) => m.at).sort((x, y) => x - y);
    const outage = Math.max(...times.slice(1).map((at, i) => at - times[i]!));
    t.log(`${name}: longest wait between two acknowledged messages around the leader's kill -9: ${outage} ms`);
  }

  const newLeader = await eventually(async () => {
    const { body } = await getJson<ServersReply>(cluster.gatewayPort, '/servers');
    const leader = body.servers.find((s) => s.role === 'leader');
    return leader && leader.id !== 'node-1' && body.servers.length === 2 ? leader.id : undefined;
  }, 10_000, 'a new leader in the server list');
  t.is(newLeader, 'node-2', 'the oldest surviving node leads');

  // Every acknowledged message reached its receiver: live, or from its inbox (as a device that
  // noticed a gap does); live ones never twice.
  for (const [receiver, acked] of [[b.client, ab], [d.client, cd]] as const) {
    const live = chatEvents(receiver);
    t.is(new Set(live.map((e) => e.seq)).size, live.length, 'no event delivered live twice');
    const inbox = dataOf<{ events: { data: ChatEventData }[] }>(await receiver.request('sync', { after: 0, limit: 1000 })).events.map((e) => e.data);
    const got = new Set([...live, ...inbox].map((e) => e.id));
    for (const [message, { id }] of acked) t.true(got.has(id), `${message} arrived`);
    t.is(inbox.length, new Set(inbox.map((e) => e.id)).size, 'each stored once');
    t.log(`${live.length} of ${acked.size} acknowledged messages arrived live, the rest from the inbox`);
  }
});

test.serial('the cluster port refuses a peer with the wrong secret, and a client, before any frame', async (t) => {
  const cluster = await startCluster(t, 1);
  const port = cluster.nodes[0]!.clusterPort;
  const refusal = async (socket: WebSocket) => {
    socket.on('error', () => undefined);
    const [, response] = (await once(socket, 'unexpected-response')) as [unknown, { statusCode: number }];
    socket.terminate();
    return response.statusCode;
  };

  const challenge = (await (await fetch(`http://127.0.0.1:${port}/cluster/challenge`)).json()) as { nonce: string };
  const impostor = new WebSocket(`ws://127.0.0.1:${port}/cluster/link`, {
    headers: { 'x-zkchat-node': 'node-9', 'x-zkchat-nonce': challenge.nonce, 'x-zkchat-client-nonce': 'abc', 'x-zkchat-mac': 'bm90IHRoZSBzZWNyZXQ' },
  });
  t.is(await refusal(impostor), 401);
  t.is(await refusal(new WebSocket(`ws://127.0.0.1:${port}/cluster/link`)), 401, 'a client without the handshake');
  await cluster.nodes[0]!.proc.waitForLog('cluster peer rejected');
  t.regex(cluster.nodes[0]!.proc.stdout(), /"why":"wrong secret"/);
});
