import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { createLogger } from '../../core/logger.js';
import { HotWordsBoard, type HotWord } from '../../src/hot-words/hot-words-board.js';
import { RedisKeys } from '../../src/storage/redis-keys.js';
import { hotWordsPeriodKey } from '../../src/text/hot-words.js';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { nodeEnv, testServices, type TestServices } from '../helpers/services-env.js';
import { spawnNode } from '../helpers/spawn.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import type { TestClient } from '../helpers/ws-client.js';

const FAST = { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000', ARCHIVE_RETRY_MS: '200' };
/** Ten days: no period boundary falls inside a test that does not wait for one. */
const LONG_PERIOD = { HOT_WORDS_RESET_MS: String(10 * 24 * 3600_000) };

function redisFor(t: ExecutionContext, services: TestServices): Redis {
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  return redis;
}

async function popular(client: TestClient, limit = 100): Promise<HotWord[]> {
  const reply = await client.request('popular', { limit });
  if (reply.action !== 'popular') throw new Error(JSON.stringify(reply));
  return dataOf<{ words: HotWord[] }>(reply).words;
}

async function chat(from: TestClient, to: string, message: string): Promise<void> {
  const reply = await from.request('chat', { to, message });
  if (reply.action !== 'chat') throw new Error(JSON.stringify(reply));
}

const countOf = (words: HotWord[], word: string) => words.find((w) => w.word === word)?.count;

test('popular counts the English and Chinese words of private and room messages, most first', async (t) => {
  const { port } = await startTestNode(t, { ...FAST, ...LONG_PERIOD });
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  await chat(alice.client, bob.username, 'Hello world, hello again!');
  await chat(bob.client, alice.username, 'HELLO kettle');
  await chat(alice.client, bob.username, '我们喜欢北京天安门');
  await chat(bob.client, alice.username, '北京欢迎你');
  const room = uniqueName('r');
  t.is((await alice.client.request('createRoom', { name: room })).action, 'createRoom');
  t.is((await alice.client.request('roomChat', { room, message: 'world 北京' })).action, 'roomChat');

  const expected = [
    { word: '北京', count: 3 },
    { word: 'hello', count: 2 }, // counted once per message: "hello" twice in one message is one
    { word: 'world', count: 2 },
    { word: 'kettle', count: 1 },
    { word: '喜欢', count: 1 },
    { word: '天安门', count: 1 },
    { word: '欢迎', count: 1 },
  ];
  const sorted = (words: HotWord[]) => words.slice().sort((a, b) => b.count - a.count || a.word.localeCompare(b.word));
  const words = await eventually(async () => {
    const board = await popular(alice.client);
    return board.reduce((sum, w) => sum + w.count, 0) >= 11 ? board : undefined;
  }, 10_000, 'every word to be counted');
  t.deepEqual(sorted(words), sorted(expected));
  t.deepEqual(words.map((w) => w.count), [3, 2, 2, 1, 1, 1, 1], 'most counted first');
  t.deepEqual(await popular(bob.client, 1), [{ word: '北京', count: 3 }], 'limit');
  t.is((await popular(bob.client, 10)).length, 7);
  t.deepEqual(dataOf<{ code: number }>(await bob.client.request('popular', { limit: 101 })).code, 400);
});

test('the leader clears the board every HOT_WORDS_RESET_MS', async (t) => {
  const services = testServices();
  const { port } = await startTestNode(t, { ...FAST, HOT_WORDS_RESET_MS: '1000' }, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  // A word counted, seen on the board, then gone. If a clear falls between sending and looking, send again.
  await eventually(async () => {
    await chat(alice.client, bob.username, 'zebra crossing');
    const deadline = Date.now() + 400;
    while (Date.now() < deadline) if (countOf(await popular(bob.client), 'zebra') !== undefined) return true;
    return undefined;
  }, 10_000, 'the word to be on the board');
  await eventually(async () => (countOf(await popular(bob.client), 'zebra') === undefined ? true : undefined), 5000, 'the board to be cleared');

  // Each clear claimed its period, for two periods.
  const redis = redisFor(t, services);
  const claims = await redis.keys(`${services.redisPrefix}hot-words:cleared:*`);
  t.true(claims.length > 0);
  const now = hotWordsPeriodKey(Date.now(), 1000);
  for (const claim of claims) {
    const period = Number(claim.slice(claim.lastIndexOf(':') + 1));
    t.true(period <= now && period >= now - 30, claim);
    const ttl = await redis.pttl(claim);
    t.true(ttl > 0 && ttl <= 2000, `${claim} lives ${ttl} ms`);
  }
});

test('two leaders overlapping clear each period once', async (t) => {
  const services = testServices();
  const redis = redisFor(t, services);
  const keys = new RedisKeys(services.redisPrefix);
  const clears: { board: string; period: number }[] = [];
  const logger = (board: string) =>
    createLogger('info', { board }, (line) => {
      const entry = JSON.parse(line) as { msg: string; period: number };
      if (entry.msg === 'hot words cleared') clears.push({ board, period: entry.period });
    });
  const a = new HotWordsBoard(redis, keys, 1000, logger('a'));
  const b = new HotWordsBoard(redis, keys, 1000, logger('b'));
  t.teardown(() => (a.stop(), b.stop()));

  // Claimed by hand: the second claim of a period clears nothing.
  const far = hotWordsPeriodKey(Date.now(), 1000) + 1000;
  await a.count(['hello world', 'hello']);
  t.deepEqual(await b.top(10), [{ word: 'hello', count: 2 }, { word: 'world', count: 1 }]);
  t.true(await a.clear(far));
  t.deepEqual(await a.top(10), []);
  await a.count(['hello again']);
  t.false(await b.clear(far), 'this period was cleared already');
  t.deepEqual(await b.top(10), [{ word: 'hello', count: 1 }]);
  t.true(await b.clear(far + 1));
  t.deepEqual(await b.top(10), []);

  // Both leading at once: every period is cleared by one of them.
  a.setLeader(true);
  b.setLeader(true);
  await eventually(async () => (new Set(clears.map((c) => c.period)).size >= 3 ? true : undefined), 10_000, 'three periods to be cleared');
  a.setLeader(false);
  b.setLeader(false);
  const periods = clears.map((c) => c.period);
  t.deepEqual(periods, [...new Set(periods)], `no period cleared twice: ${JSON.stringify(clears)}`);
});

test('a batch taken over from a dead archive writer is not counted again', async (t) => {
  const services = testServices();
  const mongoProxy = await startTcpProxy(t, services.mongoUrl);
  const first = spawnNode(t, 'dist/src/node/main.js', nodeEnv(services, { ...FAST, ...LONG_PERIOD, NODE_ID: 'writer-a', MONGO_URL: `mongodb://${mongoProxy.address}` }));
  const { clientPort } = (await first.waitForLog('chat node listening')) as { clientPort: number };
  const alice = await loggedInClient(clientPort);
  const bob = await loggedInClient(clientPort);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  // writer-a reads and counts a batch, then hangs on MongoDB with it; the rest stays unread.
  mongoProxy.freeze();
  for (let i = 0; i < 10; i++) await chat(alice.client, bob.username, `takeover number ${i}`);
  const redis = redisFor(t, services);
  const archive = `${services.redisPrefix}archive`;
  await eventually(async () => {
    const [pending] = (await redis.xpending(archive, 'archive')) as [number];
    return pending > 0 && countOf(await popular(bob.client), 'takeover') === pending ? true : undefined;
  }, 10_000, 'writer-a to hold a batch it counted');
  first.child.kill('SIGKILL');
  await first.exited;

  // Another node's writer counts what was never read, and takes the held batch over without counting it again.
  const { port } = await startTestNode(t, { ...FAST, ...LONG_PERIOD, ARCHIVE_CLAIM_IDLE_MS: '500' }, services);
  await eventually(async () => ((await redis.xlen(archive)) === 0 ? true : undefined), 30_000, 'the archive to drain');
  const carol = await loggedInClient(port);
  t.teardown(() => carol.client.close());
  const words = await popular(carol.client);
  t.is(countOf(words, 'takeover'), 10);
  t.is(countOf(words, 'number'), 10);
});
