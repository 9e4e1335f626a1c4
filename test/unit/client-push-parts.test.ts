import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { Acks, type AckHost } from '../../client/acks.js';
import { parseCommand } from '../../client/command-parser.js';
import { DeliveryReceipts } from '../../client/delivery-receipts.js';
import { DEVICE_ID_PATTERN, loadDeviceId } from '../../client/device-id.js';
import { readOnline, readPush } from '../../client/push-frames.js';
import * as pushUi from '../../client/push-ui.js';
import { readSyncReply } from '../../client/server-frames.js';
import { ZkchatError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { ErrorCode } from '../../protocol/codes.js';
import { formatTime } from '../../client/ui.js';

// The parts of the terminal client's push support, one at a time: acks, receipts, the device id,
// the frames read, the commands parsed, the lines rendered.

const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');

// Acks --------------------------------------------------------------------------

interface FakeAckHost extends AckHost {
  seq: number;
  sent: number[];
  /** Settles the oldest ack on its way: with its reply, or with an error. */
  answer(error?: Error): void;
}

function ackHost(): FakeAckHost {
  const waiting: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const host: FakeAckHost = {
    seq: 0,
    sent: [],
    canSend: () => true,
    position: () => ({ epoch: 'e1', seq: host.seq }),
    send(seq) {
      host.sent.push(seq);
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    logger: silentLogger,
    answer(error) {
      const next = waiting.shift();
      if (!next) throw new Error('no ack is waiting for an answer');
      if (error) next.reject(error);
      else next.resolve();
    },
  };
  return host;
}

/** Resolves once `host` sent `count` acks (and the turn that sent the last one ended). */
async function sentCount(host: FakeAckHost, count: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (host.sent.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${host.sent.length} of ${count} acks were sent`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await new Promise((resolve) => setImmediate(resolve));
}

test('pokes within one turn make one ack, with the newest position', async (t) => {
  const host = ackHost();
  const acks = new Acks(host, { intervalMs: 0 });
  t.teardown(() => acks.stop());
  for (let seq = 1; seq <= 10; seq++) {
    host.seq = seq;
    acks.poke();
  }
  await sentCount(host, 1);
  t.deepEqual(host.sent, [10]);
  host.answer();
  await new Promise((resolve) => setImmediate(resolve));
  // Acked up to where the cursor stands: a poke schedules nothing.
  acks.poke();
  t.false(acks.pending);
  t.deepEqual(acks.acked, { epoch: 'e1', seq: 10 });
});

test('what is processed while an ack is on its way is acked after it; nothing at seq 0', async (t) => {
  const host = ackHost();
  const acks = new Acks(host, { intervalMs: 0 });
  t.teardown(() => acks.stop());
  acks.poke();
  t.false(acks.pending, 'nothing processed yet');
  host.seq = 2;
  acks.poke();
  await sentCount(host, 1);
  host.seq = 5;
  acks.poke();
  t.deepEqual(host.sent, [2], 'one ack at a time');
  host.answer();
  await sentCount(host, 2);
  t.deepEqual(host.sent, [2, 5]);
  host.answer();
});

test('acks are spaced by the interval', async (t) => {
  let now = 1000;
  const host = ackHost();
  const acks = new Acks(host, { intervalMs: 60_000, now: () => now });
  t.teardown(() => acks.stop());
  host.seq = 1;
  acks.poke();
  await sentCount(host, 1);
  host.answer();
  await new Promise((resolve) => setImmediate(resolve));
  host.seq = 2;
  acks.poke();
  // The next may leave only a minute after the last: it waits, scheduled.
  t.true(acks.pending);
  t.deepEqual(host.sent, [1]);
  acks.stop();
  // With the clock past the interval, a new Acks sends at once.
  now += 60_000;
  const later = new Acks(host, { intervalMs: 60_000, now: () => now });
  t.teardown(() => later.stop());
  later.poke();
  await sentCount(host, 2);
  t.deepEqual(host.sent, [1, 2]);
});

test('a server that refuses ack (400) is not asked again until the next login; other failures are retried on the next poke', async (t) => {
  const host = ackHost();
  const acks = new Acks(host, { intervalMs: 0 });
  t.teardown(() => acks.stop());
  host.seq = 1;
  acks.poke();
  await sentCount(host, 1);
  host.answer(new ZkchatError(ErrorCode.BAD_REQUEST, 'unknown action "ack"'));
  await new Promise((resolve) => setImmediate(resolve));
  host.seq = 2;
  acks.poke();
  t.false(acks.pending);
  acks.loggedIn();
  acks.poke();
  await sentCount(host, 2);
  t.deepEqual(host.sent, [1, 2]);
  host.answer(new ZkchatError(ErrorCode.UNAVAILABLE, 'busy'));
  await new Promise((resolve) => setImmediate(resolve));
  acks.poke();
  await sentCount(host, 3);
  t.deepEqual(host.sent, [1, 2, 2]);
  host.answer();
});

test('a new epoch is acked from its own seqs', async (t) => {
  const host = ackHost();
  let epoch = 'e1';
  host.position = () => ({ epoch, seq: host.seq });
  const acks = new Acks(host, { intervalMs: 0 });
  t.teardown(() => acks.stop());
  host.seq = 9;
  acks.poke();
  await sentCount(host, 1);
  host.answer();
  await new Promise((resolve) => setImmediate(resolve));
  epoch = 'e2';
  host.seq = 3;
  acks.poke();
  await sentCount(host, 2);
  t.deepEqual(host.sent, [9, 3]);
  host.answer();
});

// Receipts ----------------------------------------------------------------------

test('a receipt quotes the message once; an unknown one has no quote; old messages are forgotten', (t) => {
  const receipts = new DeliveryReceipts(2);
  receipts.sent('m1', 'one');
  receipts.sent('m2', 'two');
  receipts.sent('m3', 'three');
  t.deepEqual(receipts.delivered({ id: 'm3', to: 'bob' }), { message: 'three' });
  t.is(receipts.delivered({ id: 'm3', to: 'bob' }), undefined);
  t.deepEqual(receipts.delivered({ id: 'm1', to: 'bob' }), { message: null });
  t.deepEqual(receipts.delivered({ id: 'm2', to: 'bob' }), { message: 'two' });
});

// Device id ---------------------------------------------------------------------

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'zkchat-device-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the device id is made once, kept in ZKCHAT_DEVICE_FILE (private), and read back', (t) => {
  const file = join(tempDir(t), 'sub', 'device-id');
  const first = loadDeviceId({ ZKCHAT_DEVICE_FILE: file });
  t.true(first.saved);
  t.is(first.file, file);
  t.regex(first.id, DEVICE_ID_PATTERN);
  t.is(readFileSync(file, 'utf8').trim(), first.id);
  t.is(statSync(file).mode & 0o777, 0o600);
  t.deepEqual(loadDeviceId({ ZKCHAT_DEVICE_FILE: file }), first);
  t.not(loadDeviceId({ ZKCHAT_DEVICE_FILE: join(tempDir(t), 'other') }).id, first.id);
});

test('a device file that holds no valid id gets a new one; one that cannot be written gives an id for this run', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'device-id');
  writeFileSync(file, 'not a valid id!\n');
  const fixed = loadDeviceId({ ZKCHAT_DEVICE_FILE: file });
  t.regex(fixed.id, DEVICE_ID_PATTERN);
  t.is(readFileSync(file, 'utf8').trim(), fixed.id);
  // A file inside a regular file cannot be created.
  const broken = loadDeviceId({ ZKCHAT_DEVICE_FILE: join(file, 'device-id') });
  t.false(broken.saved);
  t.regex(broken.id, DEVICE_ID_PATTERN);
});

// Frames ------------------------------------------------------------------------

test('a sync reply keeps the pushes of the inbox with the chats; a push without a seq there is left out', (t) => {
  const chat = { seq: 1, id: 'm1', from: 'bob', to: 'alice', message: 'hi', format: 'text', ts: 1 };
  const push = { seq: 2, id: 'p1', type: 'notice', data: { a: 1 }, ts: 2 };
  const read = readSyncReply({
    events: [
      { action: 'chat', data: chat },
      { action: 'push', data: push },
      { action: 'push', data: { ...push, seq: undefined } },
      { action: 'push', data: { id: 'p2', data: 'no type', ts: 3, seq: 3 } },
    ],
    complete: true,
    head: 3,
    epoch: 'e1',
  });
  t.deepEqual(read?.reply.events, [
    { action: 'chat', data: chat },
    { action: 'push', data: push },
  ]);
  t.is(read?.malformed, 2);
});

test('push and online events are checked before they are trusted', (t) => {
  t.deepEqual(readPush({ id: 'b1', type: 'news', data: 'x', ts: 1 }), { id: 'b1', type: 'news', data: 'x', ts: 1 });
  t.is(readPush({ id: 'b1', type: 'news', data: 'x', ts: 1, seq: 0 }), null);
  t.deepEqual(readPush({ id: 'b1', type: 'news', ts: 1 }), { id: 'b1', type: 'news', data: null, ts: 1 }, 'no data reads as null');
  t.is(readPush({ id: 'b1', ts: 1, data: 1 }), null);
  t.deepEqual(readOnline({ count: 2, joined: ['a'], left: [] }), { count: 2, joined: ['a'], left: [] });
  t.is(readOnline({ count: 2, joined: [1], left: [] }), null);
});

// Commands ----------------------------------------------------------------------

test('/subscribe, /unsubscribe and /online parse; types are checked and lower-cased', (t) => {
  const state = { defaultRecipient: null };
  t.deepEqual(parseCommand('/subscribe', state), { kind: 'subscriptions' });
  t.deepEqual(parseCommand('/subscribe News', state), { kind: 'subscribe', types: ['news'], on: true });
  t.deepEqual(parseCommand('/unsubscribe news promo.x news', state), { kind: 'subscribe', types: ['news', 'promo.x'], on: false });
  t.like(parseCommand('/unsubscribe', state), { kind: 'invalid' });
  t.like(parseCommand('/unsubscribe no/slash', state), { kind: 'invalid', reason: '"no/slash" is not a push type: use 1-32 of a-z, 0-9, "_", "." or "-"' });
  t.like(parseCommand(`/subscribe ${'x'.repeat(33)}`, state), { kind: 'invalid' });
  t.deepEqual(parseCommand('/online', state), { kind: 'online', more: false });
  t.deepEqual(parseCommand('/ONLINE More', state), { kind: 'online', more: true });
  t.like(parseCommand('/online 5', state), { kind: 'invalid' });
});

// Rendering ---------------------------------------------------------------------

test('a push reads "time ⚑ [type] data", strings as they are, the rest as compact JSON, long data cut', (t) => {
  const at = formatTime(5000);
  t.is(plain(pushUi.renderPush({ id: 'p', type: 'notice', data: { text: 'hi', n: [1, 2] }, ts: 5000 })), `${at} ⚑ [notice] {"text":"hi","n":[1,2]}`);
  t.is(plain(pushUi.renderPush({ id: 'p', type: 'news', data: 'plain words', ts: 5000, seq: 3 })), `${at} ⚑ [news] plain words`);
  t.is(plain(pushUi.renderPush({ id: 'p', type: 'ping', data: null, ts: 5000 })), `${at} ⚑ [ping]`);
  const long = plain(pushUi.renderPush({ id: 'p', type: 'big', data: 'y'.repeat(2000), ts: 5000 }));
  t.is(long, `${at} ⚑ [big] ${'y'.repeat(pushUi.PUSH_DATA_MAX - 1)}…`);
});

test('receipts, online notices, /online pages and subscriptions read as words', (t) => {
  t.is(plain(pushUi.renderDelivered('bob', 'short')), '✓✓ delivered to bob: short');
  t.is(plain(pushUi.renderDelivered('bob', null)), '✓✓ delivered to bob');
  t.is(plain(pushUi.renderDelivered('bob', 'two\nlines')), '✓✓ delivered to bob: two lines');
  t.is(plain(pushUi.renderOnline({ count: 1, joined: [], left: ['x', 'y'] })), '● 1 online (−x −y)');
  t.is(plain(pushUi.renderOnlineUsers({ count: 3, users: ['a', 'b', 'c'], next: null }, true)), '● 3 online: a, b, c');
  t.is(plain(pushUi.renderOnlineUsers({ count: 0, users: [], next: null }, true)), '● 0 online');
  t.is(plain(pushUi.renderSubscriptions([])), 'every push type is on (/unsubscribe TYPE turns one off)');
  t.is(plain(pushUi.renderSubscriptions(['a', 'b'])), 'push types turned off: a, b (/subscribe TYPE turns one on)');
  t.is(plain(pushUi.renderSubscriptionChange(['a'], false, ['a'])), 'pushes a off (off: a)');
});
