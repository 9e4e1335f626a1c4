import test, { type ExecutionContext } from 'ava';
import { ChatClient } from '../../client/chat-client.js';
import { signIn } from '../../client/sign-in.js';
import { startFakeChatNode, type FakeChatNode } from '../helpers/fake-chat-node.js';
import { FakeTerminal, KEY } from '../helpers/terminal-screen.js';

// The real inquirer prompts of the sign-in, on a fake terminal, against a fake chat node.

async function startSignIn(t: ExecutionContext): Promise<{ node: FakeChatNode; terminal: FakeTerminal; login: ReturnType<typeof signIn> }> {
  const node = await startFakeChatNode(t, { users: { alice: 'alice-pass' } });
  const terminal = new FakeTerminal(100);
  const client = new ChatClient({ heartbeatMs: 0 });
  t.teardown(() => client.close());
  await client.connect(node.url);
  const login = signIn(client, terminal, (text) => terminal.output.write(`${text}\n`));
  return { node, terminal, login };
}

const count = (lines: string[], text: string) => lines.filter((line) => line.includes(text)).length;

/** inquirer marks a prompt that waits for its answer with "?" (and an answered one with "✔"). */
const waiting = (prompt: string) => (lines: string[]) => lines.some((line) => line.startsWith(`? ${prompt}`));

async function answer(terminal: FakeTerminal, prompt: string, keys: string): Promise<void> {
  await terminal.waitFor(waiting(prompt), `the prompt "${prompt}" waiting`);
  terminal.type(keys);
}

test('a wrong password asks for the password again, not for the account', async (t) => {
  const { node, terminal, login } = await startSignIn(t);
  await answer(terminal, 'Account', KEY.enter);
  await answer(terminal, 'Username', `alice${KEY.enter}`);
  await answer(terminal, 'Password', `wrong-pass${KEY.enter}`);
  await terminal.waitForLine('wrong username or password');
  await answer(terminal, 'Password, again', `alice-pass${KEY.enter}`);
  t.is((await login).username, 'alice');
  t.is(count(terminal.lines(), 'Account'), 1, terminal.screen.dump());
  t.deepEqual(
    node.requests.map((r) => r.action),
    ['login', 'login'],
  );
});

test('an empty password after a refused one goes back to the account menu', async (t) => {
  const { terminal, login } = await startSignIn(t);
  await answer(terminal, 'Account', KEY.enter);
  await answer(terminal, 'Username', `alise${KEY.enter}`);
  await answer(terminal, 'Password', `alice-pass${KEY.enter}`);
  await answer(terminal, 'Password, again', KEY.enter);
  await answer(terminal, 'Account', KEY.enter);
  await answer(terminal, 'Username', `alice${KEY.enter}`);
  await answer(terminal, 'Password', `alice-pass${KEY.enter}`);
  t.is((await login).username, 'alice');
});

test('a name that is taken goes back to the account menu', async (t) => {
  const { terminal, login } = await startSignIn(t);
  await answer(terminal, 'Account', `${KEY.down}${KEY.enter}`);
  await answer(terminal, 'Username', `alice${KEY.enter}`);
  await answer(terminal, 'Password', `another-pass${KEY.enter}`);
  await terminal.waitForLine('that name is taken');
  await answer(terminal, 'Account', KEY.enter);
  await answer(terminal, 'Username', `alice${KEY.enter}`);
  await answer(terminal, 'Password', `alice-pass${KEY.enter}`);
  t.is((await login).username, 'alice');
});
