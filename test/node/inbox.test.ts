import test from 'ava';
import { Redis } from 'ioredis';
import type { ChatEventData, InboxEvent, InboxPosition } from '../../protocol/actions.js';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, loggedInClient } from '../helpers/users.js';
import type { TestClient } from '../helpers/ws-client.js';

type SyncReply = { events: InboxEvent[]; complete: boolean; head: number; epoch: string };
type ErrorData = { code: number; message: string };

const loginInbox = (client: TestClient) => dataOf<{ inbox: InboxPosition }>(client.frames.find((f) => f.action === 'login')!).inbox;
const messages = (reply: SyncReply) => reply.events.map((e) => (e.action === 'chat' ? e.data.message : e.action));

async function sendAll(from: TestClient, to: string, texts: string[]): Promise<void> {
  for (const message of texts) {
    const reply = await from.request('chat', { to, message });
    if (reply.action !== 'chat') throw new Error(JSON.stringify(reply));
  }
}

test('sync pages through the inbox in order, with gapless seqs, up to the head', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const { epoch, head } = loginInbox(bob.client);
  t.is(head, 0, 'a new user starts with an empty inbox');
  const texts = Array.from({ length: 7 }, (_, i) => `m${i}`);
  await sendAll(alice.client, bob.username, texts);

  const first = dataOf<SyncReply>(await bob.client.request('sync', { after: 0, epoch, limit: 3 }));
  t.like(first, { complete: true, head: 7, epoch });
  t.deepEqual(first.events.map((e) => e.data.seq), [1, 2, 3]);
  const rest = dataOf<SyncReply>(await bob.client.request('sync', { after: 3, epoch, limit: 100 }));
  t.deepEqual([...messages(first), ...messages(rest)], texts);
  t.deepEqual(rest.events.map((e) => e.data.seq), [4, 5, 6, 7]);
  t.deepEqual(dataOf<SyncReply>(await bob.client.request('sync', { after: 7, epoch })).events, [], 'nothing after the head');
});

test('a trimmed log answers complete: false and returns what it still holds', async (t) => {
  const { port } = await startTestNode(t, { INBOX_MAX_EVENTS: '10' });
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  // Trimming runs every 16 appends: after the 32nd, the newest 10 are left.
  const texts = Array.from({ length: 32 }, (_, i) => `m${i}`);
  await sendAll(alice.client, bob.username, texts);
  const { epoch } = loginInbox(bob.client);

  const behind = dataOf<SyncReply>(await bob.client.request('sync', { after: 2, epoch }));
  t.like(behind, { complete: false, head: 32 });
  t.deepEqual(messages(behind), texts.slice(22), 'the newest 10 are kept');
  const recent = dataOf<SyncReply>(await bob.client.request('sync', { after: 22, epoch }));
  t.like(recent, { complete: true });
  t.deepEqual(messages(recent), texts.slice(22));
});

test('a lost log starts a new epoch, and a cursor of the old one is told so', async (t) => {
  const { port, services } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  await sendAll(alice.client, bob.username, ['before the loss']);
  const old = loginInbox(bob.client);

  // What a Redis restart without its data does to this one inbox.
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  const user = bob.username.toLowerCase();
  await redis.del(`${services.redisPrefix}inbox:${user}`, `${services.redisPrefix}inbox-meta:${user}`);
  await sendAll(alice.client, bob.username, ['after the loss']);

  const stale = dataOf<SyncReply>(await bob.client.request('sync', { after: 1, epoch: old.epoch }));
  t.like(stale, { complete: false, events: [], head: 1 });
  t.not(stale.epoch, old.epoch);
  const fresh = dataOf<SyncReply>(await bob.client.request('sync', { after: 0, epoch: stale.epoch }));
  t.like(fresh, { complete: true, epoch: stale.epoch });
  t.deepEqual(fresh.events.map((e) => [e.data.seq, e.action === 'chat' ? e.data.message : e.action]), [[1, 'after the loss']]);
});

test('bad sync cursors and limits get 400 with a message naming the problem', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  await sendAll(alice.client, bob.username, ['one', 'two']);
  const bobInbox = loginInbox(bob.client);
  const cases: [object, RegExp][] = [
    [{ after: 3, epoch: bobInbox.epoch }, /data\.after \(3\) is ahead of the inbox head \(2\)/],
    [{ after: 99 }, /ahead of the inbox head/],
    [{ after: -1 }, /data\.after must be between 0 and/],
    [{ after: 1.5 }, /data\.after must be an integer/],
    [{ after: 0, limit: 0 }, /data\.limit must be between 1 and 1000/],
    [{ after: 0, limit: -5 }, /data\.limit must be between 1 and 1000/],
    [{ after: 0, limit: 1_000_000 }, /data\.limit must be between 1 and 1000/],
    [{ after: 0, epoch: loginInbox(alice.client).epoch }, /belongs to another user/],
    [{}, /data\.after is required/],
  ];
  for (const [data, reason] of cases) {
    const reply = await bob.client.request('sync', data);
    t.is(reply.action, 'error', JSON.stringify(data));
    t.is(dataOf<ErrorData>(reply).code, 400, JSON.stringify(data));
    t.regex(dataOf<ErrorData>(reply).message, reason);
  }
  // Nothing was harmed: the inbox still reads.
  t.deepEqual(messages(dataOf<SyncReply>(await bob.client.request('sync', { after: 0, epoch: bobInbox.epoch }))), ['one', 'two']);
});

test('concurrent resends of one clientMsgId from two devices are stored once, both answered alike, and nothing hangs', async (t) => {
  const { port } = await startTestNode(t);
  const phone = await loggedInClient(port);
  const laptop = await loggedInClient(port, phone.username);
  const bob = await loggedInClient(port);
  t.teardown(() => [phone, laptop, bob].forEach((c) => c.client.close()));

  const attempts = await Promise.all(
    Array.from({ length: 6 }, (_, i) => (i % 2 ? laptop : phone).client.request('chat', { to: bob.username, message: 'once', clientMsgId: 'same-id' })),
  );
  t.true(attempts.every((a) => a.action === 'chat'), JSON.stringify(attempts));
  t.is(new Set(attempts.map((a) => JSON.stringify(a.data))).size, 1, 'every attempt gets the same {id, seq, ts}');
  // Both devices' request queues still move, and a later message comes after the single copy.
  t.is((await phone.client.request('ping')).action, 'ping');
  t.is((await laptop.client.request('ping')).action, 'ping');
  await sendAll(phone.client, bob.username, ['after']);
  await bob.client.next(() => bob.client.events('chat').some((e) => dataOf<ChatEventData>(e).message === 'after'));
  const stored = dataOf<SyncReply>(await bob.client.request('sync', { after: 0 }));
  t.deepEqual(messages(stored), ['once', 'after']);
  t.deepEqual([...new Set(bob.client.events('chat').map((e) => dataOf<ChatEventData>(e).seq))], [1, 2]);
});
