import test from 'ava';
import { RateLimiter } from '../../core/rate-limiter.js';
import { LocalSessions } from '../../src/delivery/local-sessions.js';
import { BatchedDeadlines } from '../../src/node/batched-deadlines.js';

/** Deadlines do not keep a process alive by themselves: the test must, while it waits for them. */
async function keepingAlive<T>(wait: Promise<T>): Promise<T> {
  const alive = setInterval(() => undefined, 1000);
  try {
    return await wait;
  } finally {
    clearInterval(alive);
  }
}

test('batched deadlines expire every item in order, none before its own deadline', async (t) => {
  const delayMs = 40;
  const added = new Map<string, number>();
  const expired: { item: string; at: number }[] = [];
  const allExpired = new Promise<void>((resolve) => {
    const deadlines = new BatchedDeadlines<string>(delayMs, 10, (item) => {
      expired.push({ item, at: Date.now() });
      if (expired.length === 4) resolve();
    });
    const add = (item: string) => {
      added.set(item, Date.now());
      deadlines.add(item);
    };
    add('a');
    add('b');
    setTimeout(() => add('c'), 15);
    setTimeout(() => add('d'), 30);
  });
  await keepingAlive(allExpired);
  t.deepEqual(expired.map((e) => e.item), ['a', 'b', 'c', 'd']);
  for (const { item, at } of expired) t.true(at >= added.get(item)! + delayMs, `${item} expired early`);
});

test('cleared batched deadlines never expire', async (t) => {
  let expired = 0;
  const deadlines = new BatchedDeadlines<string>(20, 5, () => expired++);
  deadlines.add('a');
  deadlines.clear();
  // A later item's expiry shows that time went past the cleared one's deadline.
  await keepingAlive(new Promise<void>((resolve) => new BatchedDeadlines<string>(40, 5, () => resolve()).add('later')));
  t.is(expired, 0);
});

test("a user's connections are counted and listed the same with one device as with several", (t) => {
  const sessions = new LocalSessions<string>();
  t.is(sessions.add('alice', 'phone'), 1);
  t.is(sessions.add('alice', 'phone'), 1);
  t.deepEqual([...sessions.connections('alice')!], ['phone']);
  t.true(sessions.connections('alice')!.has('phone'));
  t.false(sessions.connections('alice')!.has('laptop'));
  t.is(sessions.add('alice', 'laptop'), 2);
  t.is(sessions.add('alice', 'tablet'), 3);
  t.is(sessions.remove('alice', 'phone'), 2);
  t.deepEqual([...sessions.connections('alice')!].sort(), ['laptop', 'tablet']);
  t.is(sessions.remove('alice', 'tablet'), 1);
  t.is(sessions.remove('alice', 'someone else'), 1);
  t.deepEqual([...sessions.connections('alice')!], ['laptop']);
  t.is(sessions.connections('alice')!.size, 1);
  t.deepEqual([...sessions.entries()].map(([user, conns]) => [user, [...conns]]), [['alice', ['laptop']]]);
  t.is(sessions.remove('alice', 'laptop'), 0);
  t.is(sessions.connections('alice'), undefined);
  t.is(sessions.remove('alice', 'laptop'), 0);
});

test('a rate bucket is full again once it has refilled, and only then', (t) => {
  let now = 0;
  const limiter = new RateLimiter({ ratePerSecond: 10, burst: 3, floodAllowance: 2 }, () => now);
  t.true(limiter.isFull());
  limiter.take();
  limiter.take();
  t.false(limiter.isFull());
  now += 100;
  t.false(limiter.isFull());
  now += 100;
  t.true(limiter.isFull());
});

test('batched deadlines let go of items that stopped waiting once many more came, and still expire the others', async (t) => {
  const waiting = new Set<number>();
  const expired = new Set<number>();
  let deadlines!: BatchedDeadlines<number>;
  const allExpired = new Promise<void>((resolve) => {
    deadlines = new BatchedDeadlines<number>(50, 10, (item) => {
      expired.add(item);
      if (deadlines.size === 0) resolve();
    }, Date.now, (item) => waiting.has(item));
  });
  // A flood of short-lived connections: each closes right after it came. Every tenth one stays.
  for (let i = 0; i < 100_000; i++) {
    if (i % 10 === 0) waiting.add(i);
    deadlines.add(i);
  }
  t.true(deadlines.size < 2 * waiting.size + 1024, `holds ${deadlines.size} items for ${waiting.size} waiting ones`);
  await keepingAlive(allExpired);
  t.deepEqual([...waiting].filter((item) => !expired.has(item)), [], 'every item still waiting reached its deadline');
});
