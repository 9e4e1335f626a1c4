import test from 'ava';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, loggedInClient } from '../helpers/users.js';

test('a client that stops reading is closed with 4001 instead of the server buffering without bound', async (t) => {
  const { port } = await startTestNode(t, { MAX_BUFFERED_BYTES: String(256 * 1024), RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' });
  const sender = await loggedInClient(port);
  const stalled = await loggedInClient(port);
  t.teardown(() => (sender.client.close(), stalled.client.close()));

  stalled.client.socket.pause(); // reads nothing more from its TCP socket
  const message = 'x'.repeat(4000);
  let sent = 0;
  let outcome = 'chat';
  // Loopback socket buffers take a few MB before the server's own buffer grows; bounded either way.
  for (; sent < 5000 && outcome === 'chat'; sent++) {
    outcome = (await sender.client.request('chat', { to: stalled.username, message })).action;
  }
  t.is(outcome, 'error', `the stalled user went offline after ${sent} messages`);
  t.log(`closed after ${sent} messages of 4000 bytes`);

  stalled.client.socket.resume();
  const { code, reason } = await stalled.client.closed;
  t.is(code, 4001);
  t.regex(reason, /slow consumer/);
  const info = await sender.client.request('userInfo', { username: stalled.username });
  t.false(dataOf<{ online: boolean }>(info).online);
});
