import test from 'ava';
import { MongoClient } from 'mongodb';
import { startTestNode } from '../helpers/chat-node.js';
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
  const { id, ts } = dataOf<{ id: string; ts: number }>(reply);
  t.truthy(id);
  t.true(Math.abs(ts - Date.now()) < 5000);

  const event = await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  t.deepEqual(dataOf<ChatEventData>(event), { id, from: alice.username, to: bob.username, message: 'hello bob', format: 'text', ts });

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

test('chat to a user who is not online is answered 404', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  t.teardown(() => alice.client.close());
  const offline = uniqueName('offline');
  const reply = await alice.client.request('chat', { to: offline, message: 'anyone?' });
  t.is(reply.action, 'error');
  t.is(dataOf<{ code: number; message: string }>(reply).code, 404);
  t.regex(dataOf<{ message: string }>(reply).message, new RegExp(offline));
});

test('after logout the user is offline and can no longer chat', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  t.is((await bob.client.request('logout')).action, 'logout');
  const toBob = await alice.client.request('chat', { to: bob.username, message: 'still there?' });
  t.is(dataOf<{ code: number }>(toBob).code, 404);
  const fromBob = await bob.client.request('chat', { to: alice.username, message: 'bye' });
  t.is(dataOf<{ code: number }>(fromBob).code, 401);
});

test('a resend with the same clientMsgId is answered with the first id and delivered once', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  const first = await alice.client.request('chat', { to: bob.username, message: 'once', clientMsgId: 'm-1' });
  const again = await alice.client.request('chat', { to: bob.username, message: 'once', clientMsgId: 'm-1' });
  t.deepEqual(again.data, first.data);
  await alice.client.request('ping');
  await bob.client.request('ping');
  t.is(bob.client.events('chat').length, 1);
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

test('delivered messages are kept in MongoDB history, indexed by conversation and time', async (t) => {
  const { port, services } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const reply = await alice.client.request('chat', { to: bob.username, message: 'keep me' });
  const { id, ts } = dataOf<{ id: string; ts: number }>(reply);

  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  const messages = mongo.db(services.mongoDb).collection<{ _id: string }>('messages');
  let stored = await messages.findOne({ _id: id });
  for (let i = 0; i < 50 && !stored; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20)); // written in batches, a moment after delivery
    stored = await messages.findOne({ _id: id });
  }
  const pair = [alice.username, bob.username].sort();
  t.like(stored, { from: alice.username, to: bob.username, message: 'keep me', ts, conversation: `u:${pair[0]}|${pair[1]}` });
  const indexes = await messages.indexes();
  t.true(indexes.some((index) => JSON.stringify(index.key) === JSON.stringify({ conversation: 1, ts: -1 })));
});
