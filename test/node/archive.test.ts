import test from 'ava';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { archiveRows } from '../../src/archive/archive-entries.js';
import type { StoredMessage } from '../../src/storage/message-store.js';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { nodeEnv, testServices, type TestServices } from '../helpers/services-env.js';
import { spawnNode } from '../helpers/spawn.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { dataOf, loggedInClient } from '../helpers/users.js';

const FAST = { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000', ARCHIVE_RETRY_MS: '200' };

async function mongoMessages(t: import('ava').ExecutionContext, services: TestServices) {
  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  return mongo.db(services.mongoDb).collection<StoredMessage>('messages');
}

function redisFor(t: import('ava').ExecutionContext, services: TestServices): Redis {
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  return redis;
}

test('MongoDB gone for 10 s under traffic: no chat is refused, and afterwards every message is in MongoDB', async (t) => {
  const services = testServices();
  const mongoProxy = await startTcpProxy(t, services.mongoUrl);
  const { port } = await startTestNode(t, { ...FAST, MONGO_URL: `mongodb://${mongoProxy.address}` }, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  mongoProxy.cut();
  const ids: string[] = [];
  const refused: unknown[] = [];
  const until = Date.now() + 10_000;
  for (let i = 0; Date.now() < until; i++) {
    const reply = await alice.client.request('chat', { to: bob.username, message: `while MongoDB is down ${i}` });
    if (reply.action === 'chat') ids.push(dataOf<{ id: string }>(reply).id);
    else refused.push(reply.data);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.deepEqual(refused, [], 'no chat answered with an error while MongoDB was away');
  t.true(ids.length > 100, `${ids.length} messages sent`);
  const redis = redisFor(t, services);
  t.true((await redis.xlen(`${services.redisPrefix}archive`)) > 0, 'they wait in the archive stream');

  mongoProxy.heal();
  const messages = await mongoMessages(t, services);
  await eventually(async () => ((await redis.xlen(`${services.redisPrefix}archive`)) === 0 ? true : undefined), 60_000, 'the archive to drain');
  const stored = await messages.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
  t.is(stored.length, ids.length, 'every message is in MongoDB, once');
});

test('an archive writer killed mid-batch loses and duplicates nothing: another node takes the batch over', async (t) => {
  const services = testServices();
  const mongoProxy = await startTcpProxy(t, services.mongoUrl);
  const first = spawnNode(t, 'dist/src/node/main.js', nodeEnv(services, { ...FAST, NODE_ID: 'writer-a', MONGO_URL: `mongodb://${mongoProxy.address}` }));
  const { clientPort } = (await first.waitForLog('chat node listening')) as { clientPort: number };
  const alice = await loggedInClient(clientPort);
  const bob = await loggedInClient(clientPort);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  // MongoDB stops answering writer-a in the middle of its batch.
  mongoProxy.freeze();
  const ids: string[] = [];
  for (let i = 0; i < 50; i++) ids.push(dataOf<{ id: string }>(await alice.client.request('chat', { to: bob.username, message: `m${i}` })).id);
  const redis = redisFor(t, services);
  const archive = `${services.redisPrefix}archive`;
  await eventually(async () => {
    const [pending] = (await redis.xpending(archive, 'archive')) as [number];
    return pending > 0 ? true : undefined;
  }, 10_000, 'writer-a to be stuck on a batch it read');
  first.child.kill('SIGKILL');
  await first.exited;

  // As if its insertMany had got halfway: half the rows are in MongoDB already.
  const messages = await mongoMessages(t, services);
  const entries = (await redis.xrange(archive, '-', '+')) as [string, string[]][];
  await messages.insertMany(archiveRows(entries).rows.slice(0, 25));

  // Another node's writer takes the abandoned batch over once it has been idle long enough.
  await startTestNode(t, { ARCHIVE_CLAIM_IDLE_MS: '500' }, services);
  await eventually(async () => ((await redis.xlen(archive)) === 0 ? true : undefined), 30_000, 'the archive to drain');
  const rows = await messages.find({}, { projection: { _id: 1 } }).toArray();
  t.deepEqual(rows.map((r) => r._id).sort(), [...ids].sort(), 'each message once');
});

test('past ARCHIVE_MAX_BACKLOG unarchived messages chat answers 503, and works again once MongoDB caught up', async (t) => {
  const services = testServices();
  const mongoProxy = await startTcpProxy(t, services.mongoUrl);
  const { port } = await startTestNode(t, { ...FAST, MONGO_URL: `mongodb://${mongoProxy.address}`, ARCHIVE_MAX_BACKLOG: '5' }, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  mongoProxy.cut();
  for (let i = 0; i < 5; i++) t.is((await alice.client.request('chat', { to: bob.username, message: `m${i}` })).action, 'chat');
  const refused = await alice.client.request('chat', { to: bob.username, message: 'one too many', clientMsgId: 'late' });
  t.like(refused.data, { code: 503, message: 'the history archive is behind: try again shortly' });

  mongoProxy.heal();
  const retried = await eventually(async () => {
    const reply = await alice.client.request('chat', { to: bob.username, message: 'one too many', clientMsgId: 'late' });
    return reply.action === 'chat' ? reply : undefined;
  }, 30_000, 'chat to be accepted again');
  t.like(retried.data, { online: true });
  const synced = await bob.client.request('sync', { after: 0 });
  t.deepEqual(dataOf<{ events: { data: { message: string } }[] }>(synced).events.map((e) => e.data.message), ['m0', 'm1', 'm2', 'm3', 'm4', 'one too many']);
});
