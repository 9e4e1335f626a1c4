import test from 'ava';
import { Handler } from '../../core/handler.js';
import { compose, type Interceptor } from '../../core/interceptor.js';
import { createLogger } from '../../core/logger.js';
import { sendText, type FrameSocket } from '../../core/net.js';
import { RateLimiter } from '../../core/rate-limiter.js';
import { CloseCode, shouldReconnect } from '../../protocol/codes.js';

test('the handler dispatches by action and falls back to the default handler', async (t) => {
  const calls: string[] = [];
  const handler = new Handler<string>({ hello: (ctx: string, data: string) => calls.push(`hello ${ctx} ${data}`) }, (ctx, _data, action) => calls.push(`default ${ctx} ${action}`));
  await handler.dispatch('hello', 'c1', 'd1');
  await handler.dispatch('other', 'c2', null);
  t.deepEqual(calls, ['hello c1 d1', 'default c2 other']);
  t.true(handler.has('hello'));
  t.false(handler.has('other'));
});

test('interceptors run in order and one that throws stops the chain', async (t) => {
  const order: string[] = [];
  const mark = (name: string): Interceptor<string[]> => async (_ctx, next) => {
    order.push(`${name}>`);
    await next();
    order.push(`<${name}`);
  };
  await compose([mark('a'), mark('b')], async () => void order.push('handler'))([]);
  t.deepEqual(order, ['a>', 'b>', 'handler', '<b', '<a']);

  order.length = 0;
  const deny: Interceptor<string[]> = async () => {
    throw new Error('denied');
  };
  await t.throwsAsync(compose([mark('a'), deny, mark('c')], async () => void order.push('handler'))([]), { message: 'denied' });
  t.deepEqual(order, ['a>']);
});

test('rate limiter allows the burst, then limits, then calls it a flood; it refills over time', (t) => {
  let now = 0;
  const limiter = new RateLimiter({ ratePerSecond: 10, burst: 3, floodAllowance: 2 }, () => now);
  t.deepEqual([1, 2, 3].map(() => limiter.take()), ['allow', 'allow', 'allow']);
  t.deepEqual([1, 2].map(() => limiter.take()), ['limit', 'limit']);
  t.is(limiter.take(), 'flood');
  now += 1000; // 10 tokens back, capped at the burst of 3
  t.deepEqual([1, 2, 3, 4].map(() => limiter.take()), ['allow', 'allow', 'allow', 'limit']);
});

function fakeSocket(bufferedAmount: number, readyState = 1) {
  const sent: string[] = [];
  const closes: Array<[number | undefined, string | undefined]> = [];
  const socket: FrameSocket = {
    bufferedAmount,
    readyState: readyState as FrameSocket['readyState'],
    send: ((text: string) => void sent.push(text)) as FrameSocket['send'],
    close: (code?: number, reason?: string | Buffer) => void closes.push([code, reason?.toString()]),
  };
  return { socket, sent, closes };
}

test('a peer that reads too slowly is closed as a slow consumer instead of buffering more', (t) => {
  const fast = fakeSocket(10);
  t.is(sendText(fast.socket, 'hi', { maxBufferedBytes: 100 }), 'sent');
  t.deepEqual(fast.sent, ['hi']);

  const slow = fakeSocket(101);
  t.is(sendText(slow.socket, 'hi', { maxBufferedBytes: 100 }), 'slow');
  t.deepEqual(slow.sent, []);
  t.is(slow.closes[0]![0], CloseCode.SLOW_CONSUMER);

  const closed = fakeSocket(0, 3);
  t.is(sendText(closed.socket, 'hi', { maxBufferedBytes: 100 }), 'closed');
  t.deepEqual(closed.sent, []);
});

test('close codes below 4500 mean reconnect, from 4500 on they do not', (t) => {
  t.true(shouldReconnect(CloseCode.GOING_AWAY));
  t.true(shouldReconnect(CloseCode.SLOW_CONSUMER));
  t.true(shouldReconnect(CloseCode.FLOOD));
  t.false(shouldReconnect(CloseCode.KICKED));
});

test('the logger writes one JSON object per line, with inherited fields, and drops lines below its level', (t) => {
  const lines: string[] = [];
  const logger = createLogger('info', { nodeId: 'n1' }, (line) => lines.push(line)).child({ conn: 'c7' });
  logger.debug('hidden');
  logger.info('shown', { user: 'alice' });
  logger.error('failed', { err: new Error('boom') });
  t.is(lines.length, 2);
  const first = JSON.parse(lines[0]!);
  t.like(first, { level: 'info', msg: 'shown', nodeId: 'n1', conn: 'c7', user: 'alice' });
  t.false(logger.isEnabled('debug'));
  t.like(JSON.parse(lines[1]!).err, { name: 'Error', message: 'boom' });
});
