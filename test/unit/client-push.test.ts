import test, { type ExecutionContext } from 'ava';
import { ChatClient, type ChatClientOptions } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import { runClientApp } from '../../client/app.js';
import { DEFAULT_CLIENT_SETTINGS } from '../../client/settings.js';
import { CloseCode } from '../../protocol/codes.js';
import { eventually } from '../helpers/cluster.js';
import { FakeTerminal, KEY } from '../helpers/terminal-screen.js';
import { startFakePushNode, type FakePushNode } from './client-push-fake.js';

// Pushes, receipts, presence and the kick in the terminal client: the real ChatClient and
// LineSession (and, for the kick, the whole client loop) on a fake terminal, against a fake node
// that speaks the protocol's push part (client-push-fake.ts).

const TIME = '\\d\\d:\\d\\d:\\d\\d';
const USERS = { alice: 'alice-pass', bob: 'bob-pass', carol: 'carol-pass' };

interface Person {
  client: ChatClient;
  terminal: FakeTerminal;
  session: LineSession;
}

async function person(t: ExecutionContext, node: FakePushNode, username: string, options: ChatClientOptions = {}, columns = 120): Promise<Person> {
  const client = new ChatClient({ heartbeatMs: 0, acks: true, ...options });
  t.teardown(() => client.close());
  await client.connect(node.url);
  await client.request('login', { username, password: USERS[username as keyof typeof USERS], device: `dev-${username}` });
  const terminal = new FakeTerminal(columns);
  const session = new LineSession(client, username, { terminal });
  t.teardown(() => session.quit());
  await terminal.waitFor((lines) => lines.at(-1) === '>', 'the prompt');
  return { client, terminal, session };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const indexOf = (lines: string[], pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));
const count = (lines: string[], pattern: RegExp): number => lines.filter((line) => pattern.test(line)).length;
const syncs = (node: FakePushNode, user: string) => node.requests.filter((r) => r.user === user && r.request.action === 'sync').length;

test('a push to the user and a broadcast show apart from chat, flagged with their type; the push takes its place in the inbox', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const alice = await person(t, node, 'alice');

  node.chat('bob', 'alice', 'hello');
  node.pushUser('alice', 'notice', { text: 'your order shipped' });
  node.chat('bob', 'alice', 'after the push');
  node.broadcast('news', 'maintenance at 22:00');
  const lines = await alice.terminal.waitForLine('maintenance at 22:00');
  const dump = alice.terminal.screen.dump();

  const order = [
    new RegExp(`^${TIME} bob: hello$`),
    new RegExp(`^${TIME} ⚑ \\[notice\\] ${escape('{"text":"your order shipped"}')}$`),
    new RegExp(`^${TIME} bob: after the push$`),
    new RegExp(`^${TIME} ⚑ \\[news\\] maintenance at 22:00$`),
  ].map((pattern) => indexOf(lines, pattern));
  t.true(order.every((i) => i >= 0), dump);
  t.deepEqual([...order].sort((a, b) => a - b), order, dump);
  // The push's seq moved the cursor: the chat after it was no gap, so nothing was fetched or lost.
  t.is(syncs(node, 'alice'), 0);
  t.is(count(lines, /could not be recovered/), 0, dump);
  t.deepEqual(alice.client.inboxPosition, { epoch: 'e1', seq: 3 });
});

test('pushes stored while away come back at login in order with the chats, under the backlog header, and are acked', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  node.pushUser('alice', 'notice', 'first, while away');
  node.chat('bob', 'alice', 'second, while away');
  node.pushUser('alice', 'billing', { due: 12.5 });
  const alice = await person(t, node, 'alice', { backlog: 20 });

  const lines = await alice.terminal.waitForLine('{"due":12.5}');
  const order = [/^— while you were away —$/, new RegExp(`^${TIME} ⚑ \\[notice\\] first, while away$`), new RegExp(`^${TIME} bob: second, while away$`), /⚑ \[billing\] \{"due":12\.5\}$/].map(
    (pattern) => indexOf(lines, pattern),
  );
  t.true(order.every((i) => i >= 0), alice.terminal.screen.dump());
  t.deepEqual([...order].sort((a, b) => a - b), order);
  await eventually(async () => (node.acks('alice').at(-1) === 3 ? true : undefined), 5000, 'the ack of the three events');
  t.deepEqual(node.acks('alice'), [3], 'one ack for the whole catch-up');
  const login = node.requests.find((r) => r.request.action === 'login');
  t.like(login?.request.data, { username: 'alice', device: 'dev-alice' });
});

test('acks are coalesced and only sent when the cursor moved on', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const alice = await person(t, node, 'alice');
  for (let i = 1; i <= 30; i++) node.pushUser('alice', 'tick', i);
  await alice.terminal.waitForLine(/⚑ \[tick\] 30$/);
  await eventually(async () => (node.acks('alice').at(-1) === 30 ? true : undefined), 5000, 'the ack of seq 30');
  const acks = node.acks('alice');
  t.true(acks.length < 30, `coalesced: ${acks.join(',')}`);
  t.true(
    acks.every((seq, i) => i === 0 || seq > acks[i - 1]!),
    `each ack moves on: ${acks.join(',')}`,
  );

  // An own message moves the cursor too; its ack follows.
  alice.terminal.type(`/to bob hi${KEY.enter}`);
  await alice.terminal.waitForLine(/you → bob: hi ✓/);
  await eventually(async () => (node.acks('alice').at(-1) === 31 ? true : undefined), 5000, 'the ack of the own message');
});

test('your own message shows ✓ when stored and ✓✓ once the recipient acked it, once however often the receipt comes', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const alice = await person(t, node, 'alice');
  const bob = await person(t, node, 'bob');
  const long = 'a message that is longer than forty characters, so it is cut';

  alice.terminal.type(`/to bob ${long}${KEY.enter}`);
  await bob.terminal.waitForLine(`alice: ${long}`);
  const lines = await alice.terminal.waitForLine('✓✓ delivered to bob');
  const stored = indexOf(lines, new RegExp(`^${TIME} you → bob: ${escape(long)} ✓$`));
  const delivered = indexOf(lines, /^✓✓ delivered to bob: /);
  t.true(stored >= 0 && delivered > stored, alice.terminal.screen.dump());
  t.is(lines[delivered], `✓✓ delivered to bob: ${long.slice(0, 39)}…`);

  // A message sent from another device of alice's: its copy here is what the receipt quotes.
  node.chat('alice', 'bob', 'from my phone');
  const after = await alice.terminal.waitForLine('✓✓ delivered to bob: from my phone');
  t.is(count(after, /^✓✓ delivered to bob/), 2, alice.terminal.screen.dump());
});

test('a receipt that came while the sender was offline shows after its next login, quoting the message', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const first = await person(t, node, 'alice');
  first.terminal.type(`/to bob while you were out${KEY.enter}`);
  await first.terminal.waitForLine(/you → bob: while you were out ✓/);
  first.session.quit();
  await first.client.close();

  const bob = await person(t, node, 'bob', { backlog: 20 }); // it came before his login
  await bob.terminal.waitForLine('alice: while you were out');
  await eventually(async () => (node.inbox('alice').some((e) => e.action === 'delivered') ? true : undefined), 5000, "the receipt stored in alice's inbox");

  const again = await person(t, node, 'alice', { backlog: 20 }); // a new process: the app shows the newest events
  const lines = await again.terminal.waitForLine('✓✓ delivered to bob: while you were out');
  t.is(count(lines, /^✓✓ delivered to bob/), 1, again.terminal.screen.dump());
});

test("a new device's backlog shows a receipt only with its message: one for a message older than the backlog says nothing it can place", async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const first = await person(t, node, 'alice');
  for (const text of ['first', 'second']) {
    first.terminal.type(`/to bob ${text}${KEY.enter}`);
    await first.terminal.waitForLine(new RegExp(`you → bob: ${text} ✓`));
  }
  first.session.quit();
  await first.client.close();
  const bob = await person(t, node, 'bob', { backlog: 20 });
  await bob.terminal.waitForLine('alice: second');
  await eventually(async () => (node.inbox('alice').filter((e) => e.action === 'delivered').length === 2 ? true : undefined), 5000, 'both receipts stored');

  // alice's inbox: 1 first, 2 second, 3 receipt of first, 4 receipt of second; the backlog is 2-4.
  const phone = await person(t, node, 'alice', { backlog: 3 });
  const lines = await phone.terminal.waitForLine('✓✓ delivered to bob: second');
  t.is(count(lines, /^✓✓ delivered to bob/), 1, phone.terminal.screen.dump());
});

test('a receipt repeated by another device of the recipient shows once; one for a message this device never saw names only the recipient', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const alice = await person(t, node, 'alice', { acks: false });
  alice.terminal.type(`/to bob ping${KEY.enter}`);
  await alice.terminal.waitForLine(/you → bob: ping ✓/);
  const id = node.inbox('alice')[0]!.data.id;
  node.delivered('alice', { id, to: 'bob' });
  node.delivered('alice', { id, to: 'bob' });
  node.delivered('alice', { id: 'unknown-id', to: 'carol' });
  const lines = await alice.terminal.waitForLine(/^✓✓ delivered to carol$/);
  t.is(count(lines, /^✓✓ delivered to bob: ping$/), 1, alice.terminal.screen.dump());
});

test('who comes and goes shows as one dim line with the count', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const alice = await person(t, node, 'alice');
  node.online({ count: 3, joined: ['bob', 'carol'], left: ['dave'] });
  await alice.terminal.waitForLine(/^● 3 online \(\+bob \+carol −dave\)$/);
  node.online({ count: 9, joined: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'], left: [] });
  await alice.terminal.waitForLine(/^● 9 online \(\+a1 \+a2 \+a3 \+a4 \+a5 \+2 more\)$/);
  node.online({ count: 2, joined: [], left: [] });
  await alice.terminal.waitForLine(/^● 2 online$/);
  t.pass();
});

test('/subscribe lists the types turned off, /unsubscribe TYPE turns one off, /subscribe TYPE on again', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const alice = await person(t, node, 'alice');
  alice.terminal.type(`/subscribe${KEY.enter}`);
  await alice.terminal.waitForLine(/^every push type is on/);
  alice.terminal.type(`/unsubscribe News promo${KEY.enter}`);
  await alice.terminal.waitForLine(/^pushes news, promo off \(off: news, promo\)$/);
  alice.terminal.type(`/subscribe${KEY.enter}`);
  await alice.terminal.waitForLine(/^push types turned off: news, promo/);

  node.broadcast('news', 'not for alice');
  node.broadcast('notice', 'for alice');
  const lines = await alice.terminal.waitForLine(/⚑ \[notice\] for alice$/);
  t.is(count(lines, /not for alice/), 0);

  alice.terminal.type(`/subscribe news${KEY.enter}`);
  await alice.terminal.waitForLine(/^pushes news on \(off: promo\)$/);
  alice.terminal.type(`/unsubscribe NOT~A~TYPE${KEY.enter}`);
  await alice.terminal.waitForLine('"not~a~type" is not a push type');
  const sets = node.requests.filter((r) => r.request.action === 'setSubscriptions').map((r) => r.request.data);
  t.deepEqual(sets, [{ types: { news: false, promo: false } }, { types: { news: true } }]);
});

test('/online prints the count and the first page; /online more the next', async (t) => {
  const names = Array.from({ length: 55 }, (_, i) => `user${String(i).padStart(2, '0')}`);
  const users = { ...USERS, ...Object.fromEntries(names.map((name) => [name, 'pass-word'])) };
  const node = await startFakePushNode(t, { users });
  await Promise.all(
    names.map(async (username) => {
      const client = new ChatClient({ heartbeatMs: 0 });
      t.teardown(() => client.close());
      await client.connect(node.url);
      await client.request('login', { username, password: 'pass-word' });
    }),
  );
  // Wide enough for a page of names on one row.
  const alice = await person(t, node, 'alice', {}, 1000);
  alice.terminal.type(`/online${KEY.enter}`);
  const first = await alice.terminal.waitForLine(/^● 56 online: /);
  const page = first.find((line) => line.startsWith('● 56 online: '))!;
  t.true(page.includes('alice, user00, user01'), page);
  t.true(page.endsWith('… /online more for the next page'), page);
  t.false(page.includes('user49'), page);

  alice.terminal.type(`/online more${KEY.enter}`);
  const second = await alice.terminal.waitForLine(/^● 56 online, more: user49, /);
  t.true(second.some((line) => line === '● 56 online, more: user49, user50, user51, user52, user53, user54'), alice.terminal.screen.dump());
  alice.terminal.type(`/online more${KEY.enter}`);
  await alice.terminal.waitForLine('no more users online to show');
});

test('redirectToLogin ends the chat line with the reason and the client does not reconnect, whatever the close code', async (t) => {
  for (const code of [CloseCode.KICKED, 4000]) {
    const node = await startFakePushNode(t, { users: USERS });
    const alice = await person(t, node, 'alice');
    const disconnected = new Promise<boolean>((resolve) => alice.client.once('disconnected', ({ willReconnect }) => resolve(willReconnect)));
    node.kick('alice', 'your account was removed', code);
    t.is(await alice.session.done, 'redirected');
    await alice.terminal.waitForLine('the server sent you back to the login: your account was removed');
    // The session stopped listening: the client's own event says whether it reconnects.
    t.false(await disconnected, `close ${code}`);
    t.false(alice.client.isReady);
  }
});

test('a kick takes the client back to the account prompt with the reason, and logging in again works', async (t) => {
  const node = await startFakePushNode(t, { users: USERS });
  const terminal = new FakeTerminal(120);
  const current: { client: ChatClient | null; session: LineSession | null } = { client: null, session: null };
  const app = runClientApp({ address: node.url, terminal, settings: DEFAULT_CLIENT_SETTINGS, device: 'dev-app', current });
  t.teardown(async () => {
    // Ctrl-C ends a prompt or the chat line; bounded, in case the test failed where nothing listens.
    terminal.type(KEY.ctrlC);
    await Promise.race([app.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
    await current.client?.close();
  });
  /** inquirer marks a prompt that waits for its answer with "?" (and an answered one with "✔"). */
  const waiting = (prompt: string) => (lines: string[]) => lines.some((line) => line.startsWith(`? ${prompt}`));
  const logIn = async () => {
    await terminal.waitFor(waiting('Account'), 'the account prompt');
    terminal.type(KEY.enter);
    await terminal.waitFor(waiting('Username'), 'the username prompt');
    terminal.type(`alice${KEY.enter}`);
    await terminal.waitFor(waiting('Password'), 'the password prompt');
    terminal.type(`alice-pass${KEY.enter}`);
  };
  await logIn();
  await terminal.waitFor((lines) => lines.at(-1) === '>', 'the chat prompt');
  node.kick('alice', 'logged out by the back office');
  const lines = await terminal.waitFor(waiting('Account'), 'the account prompt again');
  const reason = indexOf(lines, /^the server sent you back to the login: logged out by the back office$/);
  t.true(reason >= 0, terminal.screen.dump());
  t.true(indexOf(lines, /^please log in again$/) > reason);
  await logIn();
  await terminal.waitFor((l) => count(l, /^logged in as alice on node-push/) === 2, 'the second login');
  // The chat line after the second login reads the keyboard.
  terminal.type(`/help${KEY.enter}`);
  await terminal.waitForLine('commands:');
  t.deepEqual(
    node.requests.filter((r) => r.request.action === 'login').map((r) => r.request.data),
    [
      { username: 'alice', password: 'alice-pass', device: 'dev-app' },
      { username: 'alice', password: 'alice-pass', device: 'dev-app' },
    ],
  );
});
