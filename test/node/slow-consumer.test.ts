import test from 'ava';
import type { ChatEventData, InboxEvent } from '../../protocol/actions.js';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, loggedInClient } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

test('a client that stops reading is closed with 4001, and after reconnecting recovers every message with sync', async (t) => {
  // 2000 messages of 4 KB overflow the loopback socket buffers (a few MB) and then the server's 256 KiB.
  const count = 2000;
  const { port } = await startTestNode(t, { MAX_BUFFERED_BYTES: String(256 * 1024), RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000', INBOX_MAX_EVENTS: String(count + 100), HEARTBEAT_TIMEOUT_MS: '60000' });
  const sender = await loggedInClient(port);
  const stalled = await loggedInClient(port);
  t.teardown(() => (sender.client.close(), stalled.client.close()));
  const { inbox } = dataOf<{ inbox: { epoch: string; head: number } }>(stalled.client.frames.find((f) => f.action === 'login')!);

  stalled.client.socket.pause(); // reads nothing more from its TCP socket
  const sent: string[] = [];
  while (sent.length < count) {
    const message = `${sent.length} ${'x'.repeat(3990)}`;
    const reply = await sender.client.request('chat', { to: stalled.username, message });
    t.is(reply.action, 'chat', `stored whatever the recipient does: ${JSON.stringify(reply.data)}`);
    sent.push(message);
  }

  stalled.client.socket.resume();
  const { code, reason } = await stalled.client.closed;
  t.is(code, 4001);
  t.regex(reason, /slow consumer/);

  // What it processed live, then what it missed: its cursor is the last contiguous seq it saw.
  const live = stalled.client.events('chat').map((e) => dataOf<ChatEventData>(e));
  t.log(`${live.length} of ${count} arrived live before the close`);
  t.true(live.length < count);
  let cursor = inbox.head;
  for (const event of live) if (event.seq === cursor + 1) cursor = event.seq;
  const again = await TestClient.connect(port);
  t.teardown(() => again.close());
  await again.request('login', { username: stalled.username, password: 'correct-horse' });
  const recovered: ChatEventData[] = [];
  for (let complete = false, head = Infinity; cursor < head; ) {
    const reply = dataOf<{ events: InboxEvent[]; complete: boolean; head: number }>(await again.request('sync', { after: cursor, epoch: inbox.epoch, limit: 500 }));
    ({ complete, head } = reply);
    t.true(complete, 'nothing was trimmed');
    recovered.push(...reply.events.flatMap((e) => (e.action === 'chat' ? [e.data] : [])));
    cursor = reply.events.at(-1)?.data.seq ?? head;
  }
  const seen = new Map<number, string>();
  for (const event of [...live, ...recovered]) seen.set(event.seq, event.message);
  const inOrder = [...seen.entries()].sort(([a], [b]) => a - b).map(([, message]) => message);
  t.deepEqual(inOrder, sent, 'every message, once, in order');
});
