import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { ChatMessage, HistoryPage, RoomMessage } from '../../protocol/actions.js';
import { compareKeys, newestFirst } from '../../src/history/history-order.js';
import { MessageStore, privateConversation, type HistoryPosition, type StoredMessage } from '../../src/storage/message-store.js';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { testServices, type TestServices } from '../helpers/services-env.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import type { TestClient } from '../helpers/ws-client.js';

type ErrorData = { code: number; message: string };
type Sent = { id: string; ts: number; message: string };

/** A list of 5 is cut back at the 11th message: 12 messages leave the newest 6 in Redis. */
const ENV = { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000', ARCHIVE_RETRY_MS: '200', RECENT_PER_CONVERSATION: '5' };

function redisFor(t: ExecutionContext, services: TestServices): Redis {
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  return redis;
}

async function mongoMessages(t: ExecutionContext, services: TestServices) {
  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  return mongo.db(services.mongoDb).collection<StoredMessage>('messages');
}

/** Messages alternately from `a` to `b` and back, answered one by one. */
async function converse(a: { client: TestClient; username: string }, b: { client: TestClient; username: string }, texts: string[]): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (const [i, message] of texts.entries()) {
    const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
    const reply = await from.client.request('chat', { to: to.username, message });
    if (reply.action !== 'chat') throw new Error(JSON.stringify(reply));
    sent.push({ ...dataOf<{ id: string; ts: number }>(reply), message });
  }
  return sent;
}

async function archiveDrained(redis: Redis, services: TestServices): Promise<void> {
  await eventually(async () => ((await redis.xlen(`${services.redisPrefix}archive`)) === 0 ? true : undefined), 30_000, 'the archive to drain');
}

/** Every page from the newest back, following `next`. */
async function allPages(client: TestClient, conversation: object, limit: number): Promise<HistoryPage[]> {
  const pages: HistoryPage[] = [];
  let before: string | null = null;
  do {
    const reply = await client.request('history', { conversation, limit, ...(before === null ? {} : { before }) });
    if (reply.action !== 'history') throw new Error(JSON.stringify(reply));
    const page = dataOf<HistoryPage>(reply);
    pages.push(page);
    before = page.next;
  } while (before !== null && pages.length < 100);
  return pages;
}

/** Oldest first, as the pages read back to front. */
const inOrder = (pages: HistoryPage[]) => pages.slice().reverse().flatMap((p) => p.messages);

test('history pages in order across the Redis/MongoDB boundary; the 6th-oldest message left Redis but is in MongoDB', async (t) => {
  const services = testServices();
  const { port } = await startTestNode(t, ENV, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const sent = await converse(alice, bob, Array.from({ length: 12 }, (_, i) => `message ${i}`));
  const redis = redisFor(t, services);
  await archiveDrained(redis, services);

  // Where each message is: Redis holds the newest 6, MongoDB all 12.
  const conversation = privateConversation(alice.username.toLowerCase(), bob.username.toLowerCase());
  const listed = (await redis.lrange(`${services.redisPrefix}recent:${conversation}`, 0, -1)).map((s) => (JSON.parse(s) as ChatMessage).id);
  t.deepEqual(listed, sent.slice(6).map((m) => m.id).reverse(), 'the recent list holds the newest 6, newest first');
  const sixth = sent[5]!;
  t.false(listed.includes(sixth.id), 'the 6th-oldest message left Redis');
  const messages = await mongoMessages(t, services);
  t.like(await messages.findOne({ _id: sixth.id }), { conversation, message: 'message 5', ts: sixth.ts });
  t.is(await messages.countDocuments({ conversation }), 12);

  const expected = sent.slice().sort(compareKeys);
  for (const [reader, other] of [
    [alice, bob],
    [bob, alice],
  ] as const) {
    const pages = await allPages(reader.client, { with: other.username.toUpperCase() }, 4);
    t.deepEqual(pages.map((p) => p.messages.length), [4, 4, 4], 'three full pages, and the last says there is no more');
    t.is(pages.at(-1)!.next, null);
    const read = inOrder(pages) as ChatMessage[];
    t.deepEqual(read.map((m) => m.id), expected.map((m) => m.id), 'no gap, no repeat, oldest first');
    t.deepEqual(read.map((m) => m.message), expected.map((m) => m.message));
    const first = read[0]!;
    t.deepEqual(Object.keys(first).sort(), ['format', 'from', 'id', 'message', 'to', 'ts'], 'the protocol shape, no MongoDB fields');
    t.like(first, { from: alice.username, to: bob.username, format: 'text' });
  }
  // One page with everything, and a page after the oldest is empty.
  const whole = dataOf<HistoryPage>(await alice.client.request('history', { conversation: { with: bob.username }, limit: 100 }));
  t.deepEqual(whole.messages.map((m) => m.id), expected.map((m) => m.id));
  t.is(whole.next, null);
});

test('while MongoDB is down the newest pages still come from Redis (unarchived messages included); older pages answer 503', async (t) => {
  const services = testServices();
  const mongoProxy = await startTcpProxy(t, services.mongoUrl);
  const { port } = await startTestNode(t, { ...ENV, MONGO_URL: `mongodb://${mongoProxy.address}`, CONNECT_TIMEOUT_MS: '500' }, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const archived = await converse(alice, bob, Array.from({ length: 12 }, (_, i) => `archived ${i}`));
  const redis = redisFor(t, services);
  await archiveDrained(redis, services);

  mongoProxy.cut();
  const waiting = await converse(alice, bob, ['not archived yet 0', 'not archived yet 1']);
  t.true((await redis.xlen(`${services.redisPrefix}archive`)) > 0, 'the new messages wait in the archive stream');
  const newest = dataOf<HistoryPage>(await alice.client.request('history', { conversation: { with: bob.username }, limit: 4 }));
  const all = [...archived, ...waiting].sort(compareKeys);
  t.deepEqual(newest.messages.map((m) => m.id), all.slice(-4).map((m) => m.id));
  t.truthy(newest.next);
  const older = await alice.client.request('history', { conversation: { with: bob.username }, limit: 4, before: newest.next });
  t.is(older.action, 'error');
  t.is(dataOf<ErrorData>(older).code, 503);

  // Back up: everything pages through, each message once.
  mongoProxy.heal();
  await archiveDrained(redis, services);
  const pages = await eventually(async () => allPages(alice.client, { with: bob.username }, 4), 30_000, 'history to read from MongoDB again');
  t.deepEqual(inOrder(pages).map((m) => m.id), all.map((m) => m.id));
});

test('room history pages back through Redis and MongoDB for members only', async (t) => {
  const services = testServices();
  const { port } = await startTestNode(t, ENV, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  const carol = await loggedInClient(port);
  t.teardown(() => [alice, bob, carol].forEach((c) => c.client.close()));
  const room = uniqueName('r').replace(/\./g, '_').slice(0, 32);
  t.is((await alice.client.request('createRoom', { name: room })).action, 'createRoom');
  t.is((await bob.client.request('joinRoom', { room })).action, 'joinRoom');
  const sent: Sent[] = [];
  for (let i = 0; i < 12; i++) {
    const from = i % 2 === 0 ? alice : bob;
    const reply = await from.client.request('roomChat', { room, message: `room message ${i}` });
    if (reply.action !== 'roomChat') throw new Error(JSON.stringify(reply));
    sent.push({ ...dataOf<{ id: string; ts: number }>(reply), message: `room message ${i}` });
  }
  const redis = redisFor(t, services);
  await archiveDrained(redis, services);
  const messages = await mongoMessages(t, services);
  t.is(await messages.countDocuments({ conversation: `r:${room.toLowerCase()}` }), 12, 'room messages are archived with their conversation');

  const pages = await allPages(bob.client, { room: room.toUpperCase() }, 5);
  t.deepEqual(pages.map((p) => p.messages.length), [5, 5, 2]);
  const read = inOrder(pages) as RoomMessage[];
  t.deepEqual(read.map((m) => m.id), sent.slice().sort(compareKeys).map((m) => m.id));
  t.deepEqual(Object.keys(read[0]!).sort(), ['format', 'from', 'id', 'message', 'room', 'ts']);
  t.like(read[0], { room, from: alice.username, message: 'room message 0' });

  const outsider = await carol.client.request('history', { conversation: { room } });
  t.like(outsider.data, { code: 403 });
  const unknown = await carol.client.request('history', { conversation: { room: 'no-such-room-here' } });
  t.like(unknown.data, { code: 404 });
});

test('bad history requests get 400 or 404 naming the problem', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const cases: [object, number, RegExp][] = [
    [{ conversation: { with: bob.username }, limit: 101 }, 400, /data\.limit must be between 1 and 100/],
    [{ conversation: { with: bob.username }, limit: 0 }, 400, /data\.limit must be between 1 and 100/],
    [{ conversation: { with: bob.username }, before: 'yesterday' }, 400, /data\.before is not the next of a history page/],
    [{ conversation: { with: bob.username }, before: '-5:abc' }, 400, /data\.before/],
    [{ conversation: {} }, 400, /exactly one of "with" and "room"/],
    [{ conversation: { with: bob.username, room: 'lobby' } }, 400, /exactly one of "with" and "room"/],
    [{}, 400, /data\.conversation is required/],
    [{ conversation: { with: 'nobody_by_this_name' } }, 404, /no user named "nobody_by_this_name"/],
  ];
  for (const [data, code, reason] of cases) {
    const reply = await alice.client.request('history', data);
    t.is(reply.action, 'error', JSON.stringify(data));
    t.is(dataOf<ErrorData>(reply).code, code, JSON.stringify(data));
    t.regex(dataOf<ErrorData>(reply).message, reason, JSON.stringify(data));
  }
  // A conversation without messages is one empty page.
  t.deepEqual(dataOf<HistoryPage>(await alice.client.request('history', { conversation: { with: bob.username } })), { messages: [], next: null });
});

test('MongoDB pages are ordered by ts, ties by id, however many messages share a millisecond', async (t) => {
  const services = testServices();
  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  const db = mongo.db(services.mongoDb);
  const store = new MessageStore(db);
  await store.ensureIndexes();
  // Runs of up to 6 messages per ts, ids in no order, and another conversation in between.
  const rows: StoredMessage[] = [];
  for (let i = 0; i < 60; i++) {
    const ts = 1000 + Math.floor(i / (1 + (i % 6)));
    const id = `${((i * 7919) % 97).toString(36)}-${i}`;
    rows.push({ _id: id, conversation: 'u:a|b', id, from: 'a', to: 'b', message: `m${i}`, format: 'text', ts });
    rows.push({ _id: `other-${i}`, conversation: 'u:a|c', id: `other-${i}`, from: 'a', to: 'c', message: 'x', format: 'text', ts });
  }
  await store.insertIdempotent(rows);
  const expected = rows.filter((r) => r.conversation === 'u:a|b').sort(newestFirst).map((r) => r.id);
  for (const limit of [1, 2, 3, 5, 7, 60, 61]) {
    const read: string[] = [];
    let before: HistoryPosition | null = null;
    for (;;) {
      const page = await store.olderThan('u:a|b', before, limit);
      read.push(...page.map((r) => r.id));
      if (page.length < limit) break;
      before = page.at(-1)!;
    }
    t.deepEqual(read, expected, `limit ${limit}`);
  }
  t.true((await db.collection('messages').indexes()).some((index) => JSON.stringify(index.key) === JSON.stringify({ conversation: 1, ts: -1 })));
});
