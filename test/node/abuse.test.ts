import test from 'ava';
import type { EventData, ReplyData } from '../../protocol/actions.js';
import { startTestNode } from '../helpers/chat-node.js';
import { startCluster } from '../helpers/cluster.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

const errorOf = (frame: { action: string; data: unknown }) => (frame.action === 'error' ? (frame.data as { code: number; message: string }) : null);

test('login throttling per username answers 429 across two nodes, before any password is checked', async (t) => {
  const cluster = await startCluster(t, 2, { env: { LOGIN_ATTEMPTS_PER_USER: '3', LOGIN_THROTTLE_WINDOW_MS: '60000' } });
  const [n1, n2] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const name = uniqueName('victim');
  const owner = await TestClient.connect(n1.clientPort);
  const guesser1 = await TestClient.connect(n1.clientPort);
  const guesser2 = await TestClient.connect(n2.clientPort);
  t.teardown(() => [owner, guesser1, guesser2].forEach((c) => c.close()));
  t.is((await owner.request('register', { username: name, password: 'correct-horse' })).action, 'register'); // attempt 1
  t.is(errorOf(await guesser1.request('login', { username: name, password: 'wrong-guess-1' }))?.code, 401); // 2
  t.is(errorOf(await guesser1.request('login', { username: name, password: 'wrong-guess-2' }))?.code, 401); // 3
  const refused = errorOf(await guesser2.request('login', { username: name.toUpperCase(), password: 'correct-horse' }));
  t.is(refused?.code, 429, 'the other node counts the same attempts, whatever the spelling');
  t.regex(refused!.message, /try again in \d+ s/);
});

test("logins with the right password do not use up the username's attempts; wrong ones still do", async (t) => {
  const node = await startTestNode(t, { LOGIN_ATTEMPTS_PER_USER: '3', LOGIN_ATTEMPTS_PER_IP: '1000', LOGIN_THROTTLE_WINDOW_MS: '60000' });
  const name = uniqueName('devices');
  const owner = await TestClient.connect(node.port);
  t.teardown(() => owner.close());
  t.is((await owner.request('register', { username: name, password: 'correct-horse' })).action, 'register'); // attempt 1 of 3
  for (let device = 0; device < 5; device++) {
    const client = await TestClient.connect(node.port);
    t.teardown(() => client.close());
    t.is((await client.request('login', { username: name, password: 'correct-horse', device: `d${device}` })).action, 'login', `device ${device}`);
  }
  const guesser = await TestClient.connect(node.port);
  t.teardown(() => guesser.close());
  t.is(errorOf(await guesser.request('login', { username: name, password: 'wrong-guess-1' }))?.code, 401); // 2
  t.is(errorOf(await guesser.request('login', { username: name, password: 'wrong-guess-2' }))?.code, 401); // 3
  t.is(errorOf(await guesser.request('login', { username: name, password: 'correct-horse' }))?.code, 429, 'the budget is spent by the failures');
});

test('a socket that never logs in is closed at the login deadline; one address gets at most MAX_CONNECTIONS_PER_IP', async (t) => {
  const { port } = await startTestNode(t, { LOGIN_TIMEOUT_MS: '300', MAX_CONNECTIONS_PER_IP: '3' });
  const idle = await TestClient.connect(port);
  t.teardown(() => idle.close());
  t.is((await idle.closed).code, 4003);

  const conns = await Promise.all([0, 1, 2, 3].map(() => TestClient.connect(port)));
  t.teardown(() => conns.forEach((c) => c.close()));
  t.is((await conns[3]!.closed).code, 4004, 'the fourth from one address is refused');
  t.is((await conns[0]!.request('ping')).action, 'ping', 'the first three work');
});

test('terminal escape sequences never reach another client raw', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const sent = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bob.username, message: '\u001b[2J\u001b[31mred\u0007 text\u009b1m\r\u202eevil\nline two' }));
  const got = dataOf<EventData['chat']>(await bob.client.next((f) => f.action === 'chat' && dataOf<{ id: string }>(f).id === sent.id));
  t.is(got.message, '[2J[31mred text1mevil\nline two');
  t.is(errorOf(await alice.client.request('chat', { to: bob.username, message: '\u001b\u0007\u009b' }))?.code, 400, 'nothing but controls');
});
