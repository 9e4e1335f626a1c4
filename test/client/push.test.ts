import test, { type ExecutionContext } from 'ava';
import { runClientApp } from '../../client/app.js';
import { ChatClient } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import { DEFAULT_CLIENT_SETTINGS } from '../../client/settings.js';
import { startTestNode } from '../helpers/chat-node.js';
import { FakeTerminal, KEY } from '../helpers/terminal-screen.js';
import { uniqueName } from '../helpers/users.js';

// The terminal client's pushes, receipts, presence and kick as a person sees them: the real
// LineSession and ChatClient (or the whole client loop) on a fake terminal, against a real chat
// node whose push API (its admin port) plays the back office.

const TIME = '\\d\\d:\\d\\d:\\d\\d';
const PASSWORD = 'push-test-pw';
const TOKEN = 'client-push-test-token-0123456789';

interface Node {
  url: string;
  /** Calls the push API; resolves with the answer's body, failing the test on a status other than 200. */
  api(path: string, body: unknown): Promise<Record<string, unknown>>;
}

async function startNode(t: ExecutionContext): Promise<Node> {
  const { node, port } = await startTestNode(t, { ADMIN_TOKEN: TOKEN, ADMIN_PORT: '0', RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' });
  return {
    url: `ws://127.0.0.1:${port}`,
    async api(path, body) {
      const res = await fetch(`http://127.0.0.1:${node.adminPort}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as Record<string, unknown>;
      if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${JSON.stringify(answer)}`);
      return answer;
    },
  };
}

async function register(url: string, username: string): Promise<void> {
  const client = new ChatClient({ heartbeatMs: 0 });
  try {
    await client.connect(url);
    await client.request('register', { username, password: PASSWORD });
  } finally {
    await client.close();
  }
}

interface Person {
  username: string;
  client: ChatClient;
  terminal: FakeTerminal;
  session: LineSession;
}

/** A new user, logged in with a device id and acks on (as `npm run client` does), at the chat line. */
async function person(t: ExecutionContext, node: Node, base: string): Promise<Person> {
  const username = uniqueName(base);
  await register(node.url, username);
  const client = new ChatClient({ heartbeatMs: 0, acks: true });
  t.teardown(() => client.close());
  await client.connect(node.url);
  await client.request('login', { username, password: PASSWORD, device: `dev-${username}` });
  const terminal = new FakeTerminal(200);
  const session = new LineSession(client, username, { terminal });
  t.teardown(() => session.quit());
  await terminal.waitFor((lines) => lines.at(-1) === '>', 'the prompt');
  return { username, client, terminal, session };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const indexOf = (lines: string[], pattern: RegExp): number => lines.findIndex((line) => pattern.test(line));

test('a push shows apart from chat, in its place among the messages', async (t) => {
  const node = await startNode(t);
  const alice = await person(t, node, 'pa');
  const bob = await person(t, node, 'pb');

  bob.terminal.type(`/to ${alice.username} before the push${KEY.enter}`);
  await alice.terminal.waitForLine(`${bob.username}: before the push`);
  const pushed = await node.api('/push/user', { to: alice.username, type: 'notice', data: { text: 'your order shipped' } });
  t.is(pushed.seq, 2);
  bob.terminal.type(`after the push${KEY.enter}`);
  const lines = await alice.terminal.waitForLine(`${bob.username}: after the push`);

  const order = [
    new RegExp(`^${TIME} ${escape(bob.username)}: before the push$`),
    new RegExp(`^${TIME} ⚑ \\[notice\\] ${escape('{"text":"your order shipped"}')}$`),
    new RegExp(`^${TIME} ${escape(bob.username)}: after the push$`),
  ].map((pattern) => indexOf(lines, pattern));
  t.true(order.every((i) => i >= 0), alice.terminal.screen.dump());
  t.deepEqual([...order].sort((a, b) => a - b), order, alice.terminal.screen.dump());
  t.false(lines.some((line) => line.includes('could not be recovered')), alice.terminal.screen.dump());
  t.like(alice.client.inboxPosition, { seq: 3 });
});

test('after /unsubscribe TYPE a broadcast of that type is not shown, one of another type is', async (t) => {
  const node = await startNode(t);
  const alice = await person(t, node, 'ua');
  alice.terminal.type(`/unsubscribe promo${KEY.enter}`);
  await alice.terminal.waitForLine(/^pushes promo off \(off: promo\)$/);
  alice.terminal.type(`/subscribe${KEY.enter}`);
  await alice.terminal.waitForLine(/^push types turned off: promo /);

  await node.api('/push/broadcast', { type: 'promo', data: 'fifty percent off' });
  await node.api('/push/broadcast', { type: 'news', data: 'maintenance at 22:00' });
  // The two come from one node over one connection, in order: once the second is shown, the first would have been.
  const lines = await alice.terminal.waitForLine(new RegExp(`^${TIME} ⚑ \\[news\\] maintenance at 22:00$`));
  t.false(
    lines.some((line) => line.includes('fifty percent off')),
    alice.terminal.screen.dump(),
  );
});

test('who comes online shows as a dim notice; /online prints how many are online and who', async (t) => {
  const node = await startNode(t);
  const alice = await person(t, node, 'oa');
  const bob = await person(t, node, 'ob');
  await alice.terminal.waitForLine(new RegExp(`^● \\d+ online \\(.*\\+${escape(bob.username.toLowerCase())}\\b`));
  alice.terminal.type(`/online${KEY.enter}`);
  const lines = await alice.terminal.waitForLine(/^● \d+ online: /);
  const line = lines.find((row) => /^● \d+ online: /.test(row))!;
  const match = /^● (\d+) online: (.*)$/.exec(line);
  t.truthy(match, line);
  const names = match![2]!.split(', ');
  t.true(names.includes(alice.username.toLowerCase()) && names.includes(bob.username.toLowerCase()), line);
  t.is(Number(match![1]), names.length, line);
});

test('your message shows ✓ once stored and ✓✓ once the recipient’s client acked it', async (t) => {
  const node = await startNode(t);
  const alice = await person(t, node, 'da');
  const bob = await person(t, node, 'db');
  alice.terminal.type(`/to ${bob.username} are you there?${KEY.enter}`);
  await bob.terminal.waitForLine(`${alice.username}: are you there?`);
  const lines = await alice.terminal.waitForLine(`✓✓ delivered to ${bob.username}: are you there?`);
  const stored = indexOf(lines, new RegExp(`^${TIME} you → ${escape(bob.username)}: are you there\\? ✓$`));
  const delivered = indexOf(lines, new RegExp(`^✓✓ delivered to ${escape(bob.username)}: are you there\\?$`));
  t.true(stored >= 0 && delivered > stored, alice.terminal.screen.dump());
});

test('a kick takes the client back to the login prompt with the reason', async (t) => {
  const node = await startNode(t);
  const username = uniqueName('ka');
  await register(node.url, username);
  const terminal = new FakeTerminal(160);
  const current: { client: ChatClient | null; session: LineSession | null } = { client: null, session: null };
  const app = runClientApp({ address: node.url, terminal, settings: DEFAULT_CLIENT_SETTINGS, device: 'kick-test-device', current });
  t.teardown(async () => {
    // Ctrl-C ends a prompt or the chat line; bounded, in case the test failed where nothing listens.
    terminal.type(KEY.ctrlC);
    await Promise.race([app.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000))]);
    await current.client?.close();
  });
  /** inquirer marks a prompt that waits for its answer with "?" (and an answered one with "✔"). */
  const waiting = (prompt: string) => (lines: string[]) => lines.some((line) => line.startsWith(`? ${prompt}`));
  await terminal.waitFor(waiting('Account'), 'the account prompt');
  terminal.type(KEY.enter);
  await terminal.waitFor(waiting('Username'), 'the username prompt');
  terminal.type(`${username}${KEY.enter}`);
  await terminal.waitFor(waiting('Password'), 'the password prompt');
  terminal.type(`${PASSWORD}${KEY.enter}`);
  await terminal.waitFor((lines) => lines.at(-1) === '>', 'the chat prompt');

  await node.api('/kick', { username, reason: 'your account was suspended' });
  const lines = await terminal.waitFor(waiting('Account'), 'the account prompt again');
  const reason = indexOf(lines, /^the server sent you back to the login: your account was suspended$/);
  t.true(reason >= 0, terminal.screen.dump());
  t.true(indexOf(lines, /^please log in again$/) > reason, terminal.screen.dump());
  t.false(lines.some((line) => line.includes('reconnecting')), terminal.screen.dump());
});
