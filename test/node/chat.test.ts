import test from 'ava';
import { MongoClient } from 'mongodb';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';
import type { ChatEventData } from '../../protocol/actions.js';

test('two users chat: the sender gets an id, the recipient gets the message', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  const reply = await alice.client.request('chat', { to: bob.username, message: 'hello bob' });
  t.is(reply.action, 'chat');
  const { id, ts, seq, online } = dataOf<{ id: string; ts: number; seq: number; online: boolean }>(reply);
  t.truthy(id);
  t.true(Math.abs(ts - Date.now()) < 5000);
  t.is(seq, 1, "the first entry of the sender's own inbox");
  t.true(online);

  const event = await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.deepEqual(dataOf<ChatEventData>(event), { seq: 1, id, from: alice.username, to: bob.username, message: 'hello bob', format: 'text', ts });

  const back = await bob.client.request('chat', { to: alice.username, message: 'hi alice' });
  t.is(back.action, 'chat');
  const got = await alice.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.is(dataOf<ChatEventData>(got).message, 'hi alice');
});

test('a user with two connections gets every message on both', async (t) => {
  const { port } = await startTestNode(t);
  const sender = await loggedInClient(port);
  const phone = await loggedInClient(port);
  const laptop = await loggedInClient(port, phone.username);
  t.teardown(() => [sender, phone, laptop].forEach((c) => c.client.close()));

  for (const message of ['one', 'two']) {
    const reply = await sender.client.request('chat', { to: phone.username, message });
    t.is(reply.action, 'chat');
  }
  for (const device of [phone, laptop]) {
    await device.client.next(() => device.client.events('chat').length === 2);
    t.deepEqual(device.client.events('chat').map((e) => dataOf<ChatEventData>(e).message), ['one', 'two']);
  }
});

test('chat to a user who does not exist is answered 404', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  t.teardown(() => alice.client.close());
  const nobody = uniqueName('nobody');
  const reply = await alice.client.request('chat', { to: nobody, message: 'anyone?' });
  t.is(reply.action, 'error');
  t.is(dataOf<{ code: number; message: string }>(reply).code, 404);
  t.is(dataOf<{ message: string }>(reply).message, `no user named "${nobody}"`);
});

test('a message to an offline user is stored (online: false) and reaches them at their next login', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const before = dataOf<{ inbox: { head: number } }>(bob.client.frames.find((f) => f.action === 'login')!).inbox;

  t.is((await bob.client.request('logout')).action, 'logout');
  const toBob = await alice.client.request('chat', { to: bob.username, message: 'still there?' });
  t.like(toBob.data, { online: false });
  const fromBob = await bob.client.request('chat', { to: alice.username, message: 'bye' });
  t.is(dataOf<{ code: number }>(fromBob).code, 401);

  const login = await bob.client.request('login', { username: bob.username, password: 'correct-horse' });
  const { inbox } = dataOf<{ inbox: { epoch: string; head: number } }>(login);
  t.is(inbox.head, before.head + 1, 'the login reply says one event is new');
  const synced = await bob.client.request('sync', { after: before.head, epoch: inbox.epoch });
  t.like(synced.data, { complete: true, head: inbox.head, epoch: inbox.epoch });
  t.deepEqual(
    dataOf<{ events: { action: string; data: ChatEventData }[] }>(synced).events.map((e) => [e.action, e.data.seq, e.data.from, e.data.message]),
    [['chat', inbox.head, alice.username, 'still there?']],
  );
});

test('names are case-insensitive: /to Bob reaches bob, and events carry the stored spelling', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port, uniqueName('bob'));
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const shouted = bob.username.toUpperCase();
  const reply = await alice.client.request('chat', { to: shouted, message: 'hey' });
  t.like(reply.data, { online: true });
  const event = await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.like(event.data, { to: bob.username, from: alice.username, message: 'hey' });
  t.like((await alice.client.request('userInfo', { username: shouted })).data, { username: bob.username, online: true, devices: 1 });
  // Logging in with another spelling is the same account and the same inbox.
  const bobShouting = await loggedInClient(port, shouted);
  t.teardown(() => bobShouting.client.close());
  t.like(bobShouting.client.frames.find((f) => f.action === 'login')!.data, { username: bob.username });
  t.like((await alice.client.request('userInfo', { username: bob.username })).data, { devices: 2 });
});

test("the sender's other devices get a copy of what it sent, with their own inbox seq; the sending device gets only the reply", async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const aliceLaptop = await loggedInClient(port, alice.username);
  const bob = await loggedInClient(port);
  t.teardown(() => [alice, aliceLaptop, bob].forEach((c) => c.client.close()));

  const reply = dataOf<{ id: string; seq: number }>(await alice.client.request('chat', { to: bob.username, message: 'from my phone' }));
  const copy = await aliceLaptop.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.like(copy.data, { id: reply.id, seq: reply.seq, from: alice.username, to: bob.username, message: 'from my phone' });
  // bob answers: the phone's next event must be that answer, not a copy of its own message.
  await bob.client.request('chat', { to: alice.username, message: 'got it' });
  const next = await alice.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.like(next.data, { from: bob.username, message: 'got it', seq: reply.seq + 1 });
});

test('a resend with the same clientMsgId is answered with the first id and delivered once', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  const first = await alice.client.request('chat', { to: bob.username, message: 'once', clientMsgId: 'm-1' });
  const again = await alice.client.request('chat', { to: bob.username, message: 'once', clientMsgId: 'm-1' });
  t.deepEqual(again.data, first.data);
  // A later message must come after exactly one copy of the first.
  await alice.client.request('chat', { to: bob.username, message: 'next' });
  await bob.client.next(() => bob.client.events('chat').some((e) => dataOf<ChatEventData>(e).message === 'next'));
  const seqs = new Set(bob.client.events('chat').map((e) => dataOf<ChatEventData>(e).seq));
  t.deepEqual([...seqs], [1, 2], 'stored once: the resend took no seq');
  const synced = await bob.client.request('sync', { after: 0 });
  t.deepEqual(dataOf<{ events: { data: ChatEventData }[] }>(synced).events.map((e) => e.data.message), ['once', 'next']);
});

test('userInfo tells whether a user is online, on which node and since when', async (t) => {
  const { port, config } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const login = bob.client.frames.find((f) => f.action === 'login')!;

  const online = await alice.client.request('userInfo', { username: bob.username });
  t.deepEqual(online.data, { username: bob.username, online: true, nodeId: config.nodeId, loginAt: dataOf<{ loginAt: number }>(login).loginAt, devices: 1 });
  const bobAgain = await loggedInClient(port, bob.username);
  t.teardown(() => bobAgain.client.close());
  t.like((await alice.client.request('userInfo', { username: bob.username })).data, { online: true, devices: 2 });
  await bobAgain.client.request('logout');

  await bob.client.request('logout');
  const offline = await alice.client.request('userInfo', { username: bob.username });
  t.deepEqual(offline.data, { username: bob.username, online: false, nodeId: null, loginAt: null, devices: 0 });

  const unknown = await alice.client.request('userInfo', { username: uniqueName('ghost') });
  t.is(dataOf<{ code: number }>(unknown).code, 404);
});

test('closing the last connection takes the user offline', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => alice.client.close());
  bob.client.close();
  await bob.client.closed;
  // The close is handled asynchronously; poll briefly rather than sleep a fixed time.
  let info = await alice.client.request('userInfo', { username: bob.username });
  for (let i = 0; i < 50 && dataOf<{ online: boolean }>(info).online; i++) {
    await new Promise((r) => setTimeout(r, 20));
    info = await alice.client.request('userInfo', { username: bob.username });
  }
  t.false(dataOf<{ online: boolean }>(info).online);
});

test('ping answers with the server time', async (t) => {
  const { port } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  const reply = await client.request('ping');
  t.is(reply.action, 'ping');
  t.true(Math.abs(dataOf<{ ts: number }>(reply).ts - Date.now()) < 5000);
});

test('stored messages reach the MongoDB history, indexed by conversation and time', async (t) => {
  const { port, services } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const reply = await alice.client.request('chat', { to: bob.username, message: 'keep me' });
  const { id, ts } = dataOf<{ id: string; ts: number }>(reply);

  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  const messages = mongo.db(services.mongoDb).collection<{ _id: string }>('messages');
  // The archive writer follows a moment later.
  const stored = await eventually(async () => (await messages.findOne({ _id: id })) ?? undefined, 10_000, 'the history row');
  const pair = [alice.username.toLowerCase(), bob.username.toLowerCase()].sort();
  t.like(stored, { from: alice.username, to: bob.username, message: 'keep me', ts, conversation: `u:${pair[0]}|${pair[1]}` });
  const indexes = await messages.indexes();
  t.true(indexes.some((index) => JSON.stringify(index.key) === JSON.stringify({ conversation: 1, ts: -1 })));
});
