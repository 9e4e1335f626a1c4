import test from 'ava';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { EventData, InboxEvent, ReplyData } from '../../protocol/actions.js';
import { writeUsersAndRooms } from '../helpers/cheap-users.js';
import { eventually, startCluster, type ClusterNode } from '../helpers/cluster.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

const TOKEN = 'test-admin-token-0123456789';
const ADMIN = { ADMIN_TOKEN: TOKEN };

async function api(node: ClusterNode, method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json', ...headers } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`http://127.0.0.1:${node.adminPort}${path}`, init);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const pushes = (client: TestClient) => client.events('push').map((f) => dataOf<EventData['push']>(f));

test.serial('a push to a user reaches both devices on two nodes once; an offline user gets pushes in order at the next login, and not again', async (t) => {
  const cluster = await startCluster(t, 3, { env: ADMIN });
  const [n1, n2, n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  const bob = await loggedInClient(n2.clientPort);
  const bob2 = await TestClient.connect(n3.clientPort);
  t.teardown(() => (bob.client.close(), bob2.close()));
  t.is((await bob2.request('login', { username: bob.username, password: 'correct-horse' })).action, 'login');

  const sent = await api(n1, 'POST', '/push/user', { to: bob.username.toUpperCase(), type: 'notice', data: { text: 'hello' } });
  t.is(sent.status, 200, JSON.stringify(sent.body));
  t.true(sent.body.online);
  for (const device of [bob.client, bob2]) {
    const got = await device.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === sent.body.id);
    t.like(dataOf<EventData['push']>(got), { type: 'notice', data: { text: 'hello' }, seq: sent.body.seq });
  }
  // A later chat proves nothing else is on its way: each device got the push once.
  const alice = await loggedInClient(n1.clientPort);
  t.teardown(() => alice.client.close());
  const chat = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bob.username, message: 'after the push' }));
  for (const device of [bob.client, bob2]) await device.next((f) => f.action === 'chat' && dataOf<{ id: string }>(f).id === chat.id);
  t.is(pushes(bob.client).length, 1);
  t.is(pushes(bob2).length, 1);

  // Offline: carol is registered but not connected.
  const carol = await loggedInClient(n2.clientPort);
  const carolStart = dataOf<ReplyData['login']>(carol.client.frames.find((f) => f.action === 'login')!).inbox;
  await carol.client.request('logout');
  carol.client.close();
  for (let i = 0; i < 3; i++) {
    const r = await api(n3, 'POST', '/push/user', { to: carol.username, type: 'notice', data: { n: i } });
    t.is(r.status, 200);
    t.false(r.body.online);
  }
  const back = await TestClient.connect(n1.clientPort);
  t.teardown(() => back.close());
  const login = dataOf<ReplyData['login']>(await back.request('login', { username: carol.username, password: 'correct-horse' }));
  const synced = dataOf<ReplyData['sync']>(await back.request('sync', { after: carolStart.head, epoch: carolStart.epoch }));
  t.deepEqual(synced.events.map((e: InboxEvent) => (e.action === 'push' ? e.data.data : null)), [{ n: 0 }, { n: 1 }, { n: 2 }]);
  t.is(login.inbox.head, synced.head);
  // Reconnected with its cursor at the head: nothing comes again.
  const again = dataOf<ReplyData['sync']>(await back.request('sync', { after: synced.head, epoch: synced.epoch }));
  t.deepEqual(again.events, []);
  t.true(again.complete);

  t.is((await api(n1, 'POST', '/push/user', { to: 'nosuchuser_x', type: 'notice' })).status, 404);
});

test.serial('a broadcast reaches each of 300 connections over 3 nodes exactly once', async (t) => {
  const names = Array.from({ length: 300 }, (_, i) => `bc${i}_${process.pid % 1000}`);
  const cluster = await startCluster(t, 3, { env: ADMIN, beforeStart: (services) => writeUsersAndRooms(services, names) });
  const clients: TestClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  await Promise.all(
    names.map(async (name, i) => {
      // Some users with two connections, on different nodes.
      const count = i % 10 === 0 ? 2 : 1;
      for (let k = 0; k < count; k++) {
        const client = await TestClient.connect(cluster.nodes[(i + k) % 3]!.clientPort);
        clients.push(client);
        const login = await client.request('login', { username: name, password: 'correct-horse' });
        if (login.action !== 'login') throw new Error(JSON.stringify(login));
      }
    }),
  );
  const sent = await api(cluster.nodes[1]!, 'POST', '/push/broadcast', { type: 'news', data: 'one' });
  t.is(sent.status, 200, JSON.stringify(sent.body));
  await Promise.all(clients.map((c) => c.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === sent.body.id, 15_000)));
  // A second broadcast is the later event: had the first come twice, it would be here by now.
  const second = await api(cluster.nodes[2]!, 'POST', '/push/broadcast', { type: 'news', data: 'two' });
  await Promise.all(clients.map((c) => c.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === second.body.id, 15_000)));
  t.true(clients.every((c) => pushes(c).map((p) => p.data).join() === 'one,two'), 'each connection once, in order');
  t.true(pushes(clients[0]!).every((p) => p.seq === undefined), 'broadcasts are not stored in inboxes');
});

test.serial('a kick closes every device on every node with 4500 after redirectToLogin, and the user leaves the online list', async (t) => {
  const cluster = await startCluster(t, 3, { env: ADMIN });
  const [n1, n2, n3] = cluster.nodes as [ClusterNode, ClusterNode, ClusterNode];
  const dave = await loggedInClient(n2.clientPort, uniqueName('dave'));
  const dave2 = await TestClient.connect(n3.clientPort);
  const other = await loggedInClient(n1.clientPort);
  t.teardown(() => (dave.client.close(), dave2.close(), other.client.close()));
  t.is((await dave2.request('login', { username: dave.username, password: 'correct-horse' })).action, 'login');
  const key = dave.username.toLowerCase();
  await eventually(async () => ((await api(n1, 'GET', '/online')).body.users as string[]).includes(key) || undefined, 5000, 'dave online');

  const closes = [dave.client, dave2].map((c) => new Promise<number>((resolve) => c.socket.once('close', (code: number) => resolve(code))));
  const kicked = await api(n1, 'POST', '/kick', { username: dave.username, reason: 'account removed' });
  t.is(kicked.status, 200, JSON.stringify(kicked.body));
  t.deepEqual(await Promise.all(closes), [4500, 4500]);
  for (const device of [dave.client, dave2]) t.like(dataOf<EventData['redirectToLogin']>(device.events('redirectToLogin')[0]!), { reason: 'account removed' });
  const online = await eventually(async () => {
    const page = await api(n2, 'GET', '/online');
    return (page.body.users as string[]).includes(key) ? undefined : page.body;
  }, 5000, 'dave gone from the online list');
  t.true((online.users as string[]).includes(other.username.toLowerCase()));
});

test.serial('the push API refuses a missing or wrong token, bad JSON, missing fields and oversized bodies', async (t) => {
  const cluster = await startCluster(t, 1, { env: { ...ADMIN, ADMIN_MAX_BODY_BYTES: '1024' } });
  const node = cluster.nodes[0]!;
  const error = (r: { body: Record<string, unknown> }) => r.body.error as { code: number; message: string };
  t.is((await api(node, 'POST', '/push/broadcast', { type: 'x' }, {})).status, 401);
  t.is((await api(node, 'POST', '/push/broadcast', { type: 'x' }, { authorization: 'Bearer wrong-token-wrong-token' })).status, 401);
  const badJson = await api(node, 'POST', '/push/broadcast', '{"type": ');
  t.is(badJson.status, 400);
  t.regex(error(badJson).message, /not valid JSON/);
  const missing = await api(node, 'POST', '/push/user', { type: 'notice' });
  t.is(missing.status, 400);
  t.regex(error(missing).message, /body\.to is required/);
  const badType = await api(node, 'POST', '/push/broadcast', { type: 'Not A Type' });
  t.is(badType.status, 400);
  t.regex(error(badType).message, /body\.type/);
  const big = await api(node, 'POST', '/push/broadcast', { type: 'x', data: 'y'.repeat(2000) });
  t.is(big.status, 413);
  t.is((await api(node, 'GET', '/push/user')).status, 405);
  t.is((await api(node, 'GET', '/nothing-here')).status, 404);
  t.is((await api(node, 'GET', '/online?limit=0')).status, 400);
});

test.serial('a push type turned off is neither delivered nor queued, on any node; turning it on again applies without a reconnect', async (t) => {
  const cluster = await startCluster(t, 2, { env: ADMIN });
  const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode];
  const erin = await loggedInClient(n1.clientPort);
  const erin2 = await TestClient.connect(n2.clientPort);
  const frank = await loggedInClient(n2.clientPort);
  t.teardown(() => (erin.client.close(), erin2.close(), frank.client.close()));
  t.is((await erin2.request('login', { username: erin.username, password: 'correct-horse' })).action, 'login');

  const off = await erin.client.request('setSubscriptions', { types: { news: false } });
  t.deepEqual(dataOf<ReplyData['setSubscriptions']>(off), { off: ['news'] });
  t.deepEqual(dataOf<ReplyData['subscriptions']>(await erin2.request('subscriptions')), { off: ['news'] });

  const direct = await api(n2, 'POST', '/push/user', { to: erin.username, type: 'news', data: 'skipped' });
  t.like(direct.body, { seq: null, unsubscribed: true });
  const broadcastOff = await api(n1, 'POST', '/push/broadcast', { type: 'news', data: 'not for erin' });
  await frank.client.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === broadcastOff.body.id);
  // Another type still reaches erin, and comes after anything the news would have been.
  const other = await api(n1, 'POST', '/push/broadcast', { type: 'alerts', data: 'for everyone' });
  for (const device of [erin.client, erin2]) await device.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === other.body.id);
  t.deepEqual(pushes(erin.client).map((p) => p.data), ['for everyone']);
  t.deepEqual(pushes(erin2).map((p) => p.data), ['for everyone']);
  const inbox = dataOf<ReplyData['sync']>(await erin.client.request('sync', { after: 0 }));
  t.false(inbox.events.some((e) => e.action === 'push'), 'nothing queued for erin');

  t.deepEqual(dataOf<ReplyData['setSubscriptions']>(await erin2.request('setSubscriptions', { types: { news: true } })), { off: [] });
  const on = await api(n2, 'POST', '/push/broadcast', { type: 'news', data: 'news again' });
  for (const device of [erin.client, erin2]) await device.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === on.body.id);
  t.is((await erin.client.request('setSubscriptions', { types: { 'Bad Type': false } })).action, 'error');
});

test.serial('a node that lost its subscription channel reloads the push settings it may have missed meanwhile', async (t) => {
  const cluster = await startCluster(t, 1, { env: ADMIN });
  const [n1] = cluster.nodes as [ClusterNode];
  const hana = await loggedInClient(n1.clientPort);
  const ivan = await loggedInClient(n1.clientPort);
  t.teardown(() => (hana.client.close(), ivan.client.close()));
  const { services } = cluster;

  // Turned off on another node while this one's channel was down: MongoDB has it, the message is lost.
  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  await mongo.db(services.mongoDb).collection('users').updateOne({ key: hana.username.toLowerCase() }, { $set: { pushOff: ['news'] } });
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  const name = `${services.redisPrefix}${n1.id}`;
  const subscribers = (await redis.client('LIST')) as string;
  const ids = subscribers.split('\n').filter((line) => line.includes(` name=${name} `) && / sub=[1-9]/.test(line)).map((line) => /^id=(\d+)/.exec(line)![1]!);
  t.true(ids.length > 0, `the node's channel connections are listed under its name:\n${subscribers}`);
  for (const id of ids) await redis.client('KILL', 'ID', id);
  await n1.proc.waitForLog('push settings reloaded after the subscription channel came back');

  const news = await api(n1, 'POST', '/push/broadcast', { type: 'news', data: 'not for hana' });
  await ivan.client.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === news.body.id);
  // Another type still reaches hana, after where the news would have been.
  const other = await api(n1, 'POST', '/push/broadcast', { type: 'alerts', data: 'for everyone' });
  await hana.client.next((f) => f.action === 'push' && dataOf<EventData['push']>(f).id === other.body.id);
  t.deepEqual(pushes(hana.client).map((p) => p.data), ['for everyone']);
});

test.serial('queue entries are pushed once each while a consuming node is stopped and then killed with -9', async (t) => {
  const cluster = await startCluster(t, 2, { env: { ...ADMIN, PUSH_QUEUE_CLAIM_IDLE_MS: '500' } });
  const [n1, n2] = cluster.nodes as [ClusterNode, ClusterNode];
  const gina = await loggedInClient(n2.clientPort);
  t.teardown(() => gina.client.close());
  const start = dataOf<ReplyData['login']>(gina.client.frames.find((f) => f.action === 'login')!).inbox;
  const redis = new Redis(cluster.services.redisUrl);
  t.teardown(() => redis.disconnect());
  const stream = `${cluster.services.redisPrefix}push-queue`;

  // node-1 stops with its blocking read on the stream: entries handed to it stay pending with it.
  n1.proc.child.kill('SIGSTOP');
  const COUNT = 40;
  for (let i = 0; i < COUNT; i++) await redis.xadd(stream, '*', 'to', gina.username, 'type', 'queued', 'data', JSON.stringify(i));
  await redis.xadd(stream, '*', 'type', 'broken', 'data', '{not json');
  // Redis handed the stopped node's waiting read some entries: those must be taken over.
  const pending = (await redis.xpending(stream, 'push')) as [number, string, string, [string, string][] | null];
  t.true((pending[3] ?? []).some(([consumer, count]) => consumer === 'node-1' && Number(count) > 0), JSON.stringify(pending));
  n1.proc.child.kill('SIGKILL');

  const events = await eventually(async () => {
    const read = dataOf<ReplyData['sync']>(await gina.client.request('sync', { after: start.head, epoch: start.epoch, limit: 1000 }));
    return read.events.length >= COUNT ? read.events : undefined;
  }, 20_000, 'every queued push in the inbox');
  const values = events.map((e) => (e.action === 'push' ? e.data.data : null));
  t.deepEqual([...values].sort((a, b) => Number(a) - Number(b)), Array.from({ length: COUNT }, (_, i) => i), 'each entry once');
  // The queue empties: every entry (the broken one too) is acknowledged and deleted.
  await eventually(async () => ((await redis.xlen(stream)) === 0 ? true : undefined), 10_000, 'the queue drained');
});
