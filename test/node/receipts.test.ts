import test from 'ava';
import type { EventData, ReplyData } from '../../protocol/actions.js';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

const TOKEN = 'test-admin-token-0123456789';

test('a sender gets delivered only after a device of the recipient acked, and GET /push/:id shows which devices acked', async (t) => {
  const { node, port } = await startTestNode(t, { ADMIN_TOKEN: TOKEN, RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' });
  const alice = await loggedInClient(port);
  const bobName = uniqueName('bob');
  await (await loggedInClient(port, bobName)).client.close();
  const bob = await TestClient.connect(port);
  t.teardown(() => (alice.client.close(), bob.close()));
  const login = dataOf<ReplyData['login']>(await bob.request('login', { username: bobName, password: 'correct-horse', device: 'bobs-phone' }));

  const first = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bobName, message: 'one' }));
  const event = await bob.next((f) => f.action === 'chat' && dataOf<EventData['chat']>(f).id === first.id);
  // The reply to alice's next request comes after anything her first message caused on this node.
  const second = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bobName, message: 'two' }));
  t.is(alice.client.events('delivered').length, 0, 'received is not delivered: nothing before the ack');

  const acked = await bob.request('ack', { seq: dataOf<EventData['chat']>(event).seq });
  t.deepEqual(dataOf<ReplyData['ack']>(acked), { seq: login.inbox.head + 1 });
  const receipt = await alice.client.next((f) => f.action === 'delivered');
  t.deepEqual(dataOf<EventData['delivered']>(receipt), { id: first.id, to: bobName, seq: second.seq + 1 }, "stored next in alice's inbox");
  t.is(alice.client.events('delivered').length, 1, 'only the acked message');

  t.is(dataOf<{ code: number }>(await bob.request('ack', { seq: 1_000_000 })).code, 400, 'an ack ahead of the inbox');

  // A push's status lists the devices and which acked it.
  const res = await fetch(`http://127.0.0.1:${node.adminPort}/push/user`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: bobName, type: 'notice', data: 'hi' }),
  });
  const pushed = (await res.json()) as { id: string; seq: number };
  const status = async () => (await (await fetch(`http://127.0.0.1:${node.adminPort}/push/${pushed.id}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { delivered: boolean; devices: { device: string; acked: boolean }[] };
  t.like(await status(), { delivered: false, devices: [{ device: 'bobs-phone', acked: false }] });
  await bob.request('ack', { seq: pushed.seq });
  t.like(await status(), { delivered: true, devices: [{ device: 'bobs-phone', acked: true }] });
});

test('a sender offline when the recipient acknowledges gets the receipt with sync at the next login, once, in inbox order', async (t) => {
  const { port } = await startTestNode(t, { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' });
  const aliceName = uniqueName('alice');
  const alice = await loggedInClient(port, aliceName);
  const bob = await loggedInClient(port);
  t.teardown(() => bob.client.close());
  const sent = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bob.username, message: 'while you were out' }));
  await alice.client.close();

  const event = await bob.client.next((f) => f.action === 'chat' && dataOf<EventData['chat']>(f).id === sent.id);
  await bob.client.request('ack', { seq: dataOf<EventData['chat']>(event).seq });
  await bob.client.request('ack', { seq: dataOf<EventData['chat']>(event).seq }); // a second ack adds no second receipt

  const back = await TestClient.connect(port);
  t.teardown(() => back.close());
  const login = dataOf<ReplyData['login']>(await back.request('login', { username: aliceName, password: 'correct-horse' }));
  t.is(login.inbox.head, sent.seq + 1, 'the receipt is the one event after her message');
  const read = dataOf<ReplyData['sync']>(await back.request('sync', { after: sent.seq, epoch: login.inbox.epoch }));
  t.deepEqual(read.events, [{ action: 'delivered', data: { id: sent.id, to: bob.username, seq: sent.seq + 1 } }]);
  t.true(read.complete);
});

test('acks skip the rate bucket and the request queue: a device acking fast is never flood-closed', async (t) => {
  const { port } = await startTestNode(t, { RATE_LIMIT_PER_SEC: '2', RATE_LIMIT_BURST: '3', FLOOD_ALLOWANCE: '3' });
  const carol = await loggedInClient(port);
  t.teardown(() => carol.client.close());
  const replies = await Promise.all(Array.from({ length: 100 }, () => carol.client.request('ack', { seq: 0 })));
  t.true(replies.every((r) => r.action === 'ack'), JSON.stringify(replies.find((r) => r.action !== 'ack')));
  t.is(carol.client.socket.readyState, carol.client.socket.OPEN);
});

test('online events tell connected clients who came and went, coalesced; onlineUsers pages the list', async (t) => {
  const { port } = await startTestNode(t, { ONLINE_EVENT_INTERVAL_MS: '50' });
  const watcher = await loggedInClient(port);
  t.teardown(() => watcher.client.close());
  const dan = await loggedInClient(port);
  const joined = await watcher.client.next((f) => f.action === 'online' && dataOf<EventData['online']>(f).joined.includes(dan.username.toLowerCase()));
  t.true(dataOf<EventData['online']>(joined).count >= 2);
  await dan.client.request('logout');
  await watcher.client.next((f) => f.action === 'online' && dataOf<EventData['online']>(f).left.includes(dan.username.toLowerCase()));
  dan.client.close();

  const page = dataOf<ReplyData['onlineUsers']>(await watcher.client.request('onlineUsers', { limit: 1000 }));
  t.true(page.users.includes(watcher.username.toLowerCase()));
  t.false(page.users.includes(dan.username.toLowerCase()));
  t.is(page.count, page.users.length);
});
