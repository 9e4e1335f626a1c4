import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { ZkchatError } from '../../core/errors.js';
import { ChatClient, type ChatClientEvents, type ChatClientOptions } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import { readResumeToken, retryAfterMs, SESSION_EXPIRED } from '../../client/resume.js';
import type { RequestData } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import { FakeTerminal } from '../helpers/terminal-screen.js';
import { startFakeResumeNode, type FakeResumeNode } from './client-resume-fake.js';

// Reconnects of the terminal client with resume tokens: the token of the latest login or resume
// (in memory) logs the new connection in, the password only when the token is refused.

const USERS = { alice: 'alice-pass', bob: 'bob-pass' };
const credentials = { username: 'alice', password: 'alice-pass', device: 'dev-a' };
// random() = 0.5: a delay of attempt 0 is three quarters of 20 ms.
const fast: ChatClientOptions = { backoff: { initialMs: 20, maxMs: 80 }, random: () => 0.5, heartbeatMs: 0 };

function newClient(t: ExecutionContext, node: FakeResumeNode, options: ChatClientOptions = {}): ChatClient {
  const client = new ChatClient({ ...fast, resolveUrl: async () => node.url, ...options });
  t.teardown(() => client.close());
  return client;
}

function nextEvent<E extends keyof ChatClientEvents>(client: ChatClient, event: E): Promise<ChatClientEvents[E]> {
  return once(client, event) as Promise<ChatClientEvents[E]>;
}

/** The actions of the requests connection `conn` carried (numbered from 1 in connection order). */
const actionsOn = (node: FakeResumeNode, conn: number) => node.requests.filter((r) => r.conn === conn).map((r) => r.request.action);
const firstOn = (node: FakeResumeNode, conn: number) => node.requests.find((r) => r.conn === conn)?.request;

/** What the application saw, in order: private and room messages with how they came. */
class Seen {
  readonly lines: string[] = [];
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(client: ChatClient) {
    client.on('chat', (event, { source }) => this.#add(`${source} ${event.from}: ${event.message}`));
    client.on('roomEvent', (event, { source }) => event.action === 'roomChat' && this.#add(`${source} #${event.data.room} ${event.data.from}: ${event.data.message}`));
  }

  until(line: string): Promise<void> {
    const check = () => this.lines.includes(line);
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }

  #add(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => (w.check() ? (w.resolve(), false) : true));
  }
}

test('a reconnect logs in with the resume token, not the password, catches up like a login, and keeps the next token', async (t) => {
  const node = await startFakeResumeNode(t, { users: USERS });
  const client = newClient(t, node);
  const seen = new Seen(client);
  await client.connect(node.url);
  const login = await client.request('login', credentials);

  // Stored while the connection is down: only a sync after the new login can bring them.
  client.once('disconnected', () => {
    node.chat('bob', 'alice', 'while away');
    node.roomChat('bob', 'lobby while away');
  });
  let reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  const [again] = await reconnected;
  t.like(again, { resumed: true, login: { username: 'alice', nodeId: 'node-resume' } });
  const resumed = firstOn(node, 2)!;
  t.is(resumed.action, 'resume');
  t.deepEqual(resumed.data, { token: login.resumeToken });
  await seen.until('sync bob: while away');
  await seen.until('sync #lobby bob: lobby while away');
  t.false(actionsOn(node, 2).includes('login'), 'no password on the wire');
  t.is(node.tokens.get(login.resumeToken)?.state, 'used');

  // The next reconnect uses the token the resume answered with: each token works once.
  reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  t.like((await reconnected)[0], { resumed: true });
  const third = firstOn(node, 3)!;
  t.is(third.action, 'resume');
  t.is((third.data as RequestData<'resume'>).token, again.login!.resumeToken);
  t.not(again.login!.resumeToken, login.resumeToken);

  // And the conversation goes on, once each.
  node.chat('bob', 'alice', 'live again');
  await seen.until('live bob: live again');
  t.deepEqual([...seen.lines.slice(0, 2)].sort(), ['sync #lobby bob: lobby while away', 'sync bob: while away']);
  t.deepEqual(seen.lines.slice(2), ['live bob: live again']);
});

test('a refused token falls back to the remembered password on the same connection; the next reconnect resumes with that login\'s token', async (t) => {
  const node = await startFakeResumeNode(t, { users: USERS });
  const client = newClient(t, node);
  await client.connect(node.url);
  await client.request('login', credentials);

  node.revokeAll('alice');
  let reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  const [again] = await reconnected;
  t.like(again, { resumed: false, login: { username: 'alice' } });
  t.deepEqual(actionsOn(node, 2).slice(0, 2), ['resume', 'login']);
  t.deepEqual(node.requests.find((r) => r.conn === 2 && r.request.action === 'login')!.request.data, credentials);
  t.true(client.isReady);

  reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  t.like((await reconnected)[0], { resumed: true });
  t.is((firstOn(node, 3)!.data as RequestData<'resume'>).token, again.login!.resumeToken);
  t.false(actionsOn(node, 3).includes('login'));
});

test('with no password kept, a refused token ends the session with a clear message and nothing else is tried', async (t) => {
  const node = await startFakeResumeNode(t, { users: USERS });
  // Another client logged in with the password; this one only ever had its token.
  const first = newClient(t, node);
  await first.connect(node.url);
  const { resumeToken } = await first.request('login', credentials);
  await first.close();

  const client = newClient(t, node);
  await client.connect(node.url);
  t.is((await client.request('resume', { token: resumeToken })).username, 'alice');
  const terminal = new FakeTerminal(160);
  const session = new LineSession(client, 'alice', { terminal });
  t.teardown(() => session.quit());

  node.revokeAll('alice');
  const lost = nextEvent(client, 'sessionLost');
  node.dropAll();
  t.deepEqual((await lost)[0], { message: SESSION_EXPIRED });
  t.is(await session.done, 'sessionEnded');
  await terminal.waitForLine(`could not log in again: ${SESSION_EXPIRED}`);
  t.false(client.isReady);
  // Connections: 1 the first client, 2 this one, 3 its reconnect; that one is closed, all it said is in.
  await node.closed(3);
  t.deepEqual(actionsOn(node, 3), ['resume']);
});

test('a login refused with 429 during a reconnect waits the seconds the server names, with a notice', async (t) => {
  const node = await startFakeResumeNode(t, { users: USERS });
  const client = newClient(t, node);
  await client.connect(node.url);
  await client.request('login', credentials);
  const terminal = new FakeTerminal(200);
  const session = new LineSession(client, 'alice', { terminal });
  t.teardown(() => session.quit());
  const attempts: ChatClientEvents['reconnecting'][0][] = [];
  client.on('reconnecting', (info) => attempts.push(info));

  // The token is refused, so the password is needed, and the throttle refuses it for 1 s. A retry
  // before the second is over would be refused again (and announced again).
  node.revokeAll('alice');
  node.throttleLogins(1);
  const reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  t.like((await reconnected)[0], { resumed: false, login: { username: 'alice' } });

  const refused = attempts.filter((a) => a.refused !== undefined);
  t.deepEqual(refused, [{ attempt: 2, delayMs: 1000 + 15, refused: 'too many login attempts: try again in 1 s' }]);
  const logins = node.requests.filter((r) => r.request.action === 'login');
  t.deepEqual(
    logins.map((r) => r.conn),
    [1, 2, 3],
    'the first login, the one refused with 429, the one after the wait',
  );
  // The refused token is not tried again.
  t.deepEqual(actionsOn(node, 3).slice(0, 1), ['login']);
  await terminal.waitForLine('the server refused the login for now (too many login attempts: try again in 1 s), next try in 1 s…');
  await terminal.waitForLine('reconnected as alice on node-resume');
});

test('after a logout the token is gone: a reconnect logs nothing in; a new login\'s token is the one used', async (t) => {
  const node = await startFakeResumeNode(t, { users: USERS });
  const client = newClient(t, node);
  await client.connect(node.url);
  const before = await client.request('login', credentials);
  await client.request('logout', {});
  t.is(node.tokens.get(before.resumeToken)?.state, 'revoked');

  let reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  t.deepEqual((await reconnected)[0], { login: null });
  // A resume or login would have been answered before 'reconnected': none went out.
  t.deepEqual(actionsOn(node, 2), []);

  const after = await client.request('login', credentials);
  reconnected = nextEvent(client, 'reconnected');
  node.dropAll();
  t.like((await reconnected)[0], { resumed: true });
  t.is((firstOn(node, 3)!.data as RequestData<'resume'>).token, after.resumeToken);
});

test('a token is read from a login reply only when it is one; a wait only from a 429 that names it', (t) => {
  t.is(readResumeToken({ resumeToken: 'abc.def' }), 'abc.def');
  t.is(readResumeToken({ resumeToken: '' }), null);
  t.is(readResumeToken({ username: 'alice' }), null);
  t.is(readResumeToken(null), null);
  t.is(retryAfterMs(new ZkchatError(ErrorCode.RATE_LIMITED, 'too many login attempts: try again in 42 s')), 42_000);
  t.is(retryAfterMs(new ZkchatError(ErrorCode.RATE_LIMITED, '"alice" has 10 devices connected to this node already: close one first')), null);
  t.is(retryAfterMs(new ZkchatError(ErrorCode.UNAVAILABLE, 'try again in 5 s')), null);
  t.is(retryAfterMs(new Error('try again in 5 s')), null);
});
