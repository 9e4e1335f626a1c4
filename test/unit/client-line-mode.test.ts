import test, { type ExecutionContext } from 'ava';
import { ChatClient } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import { DEFAULT_CLIENT_SETTINGS } from '../../client/settings.js';
import { MESSAGE_MAX } from '../../protocol/actions.js';
import { startFakeChatNode, type FakeChatNode, type FakeChatNodeOptions } from '../helpers/fake-chat-node.js';
import { FakeTerminal, KEY } from '../helpers/terminal-screen.js';

// The chat line as a person sees it: a fake terminal (a keyboard stream, and a screen that
// interprets what the client writes) in front of the real LineSession and ChatClient, talking
// to a fake chat node over a real WebSocket.

const TIME = '\\d\\d:\\d\\d:\\d\\d';
const USERS = { alice: 'alice-pass', bob: 'bob-pass', carol: 'carol-pass' };

interface Chat {
  node: FakeChatNode;
  terminal: FakeTerminal;
  client: ChatClient;
  session: LineSession;
}

async function startChat(t: ExecutionContext, options: { columns?: number; history?: string[]; node?: FakeChatNodeOptions } = {}): Promise<Chat> {
  const node = await startFakeChatNode(t, { users: USERS, ...options.node });
  const terminal = new FakeTerminal(options.columns ?? 80);
  const client = new ChatClient({ heartbeatMs: 0 });
  t.teardown(() => client.close());
  await client.connect(node.url);
  await client.request('login', { username: 'alice', password: USERS.alice });
  const session = new LineSession(client, 'alice', { terminal, history: options.history ?? [] });
  t.teardown(() => session.quit());
  await terminal.waitFor((lines) => lines.at(-1) === '>', 'the prompt');
  return { node, terminal, client, session };
}

const chatRequests = (node: FakeChatNode) => node.requests.filter((r) => r.action === 'chat').map((r) => r.data);

/** The rows from the prompt's to the end: what is being typed. */
function inputRows(terminal: FakeTerminal): string[] {
  const lines = terminal.lines();
  const start = lines.findLastIndex((line) => /^(\[to \S+\])?> /.test(line) || /^(\[to \S+\])?>$/.test(line));
  return lines.slice(start);
}

// 1. Incoming messages while a long line is typed ------------------------------------

for (const length of [300, 158, 10]) {
  test(`a message that arrives while ${length} characters are typed in 160 columns goes above the input, which stays intact`, async (t) => {
    const { node, terminal } = await startChat(t, { columns: 160 });
    const typed = Array.from({ length }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    terminal.typeSlowly(typed);
    // 158 characters fill the first row exactly: the cursor then waits at the start of the second.
    const inputShown = length < 158 ? [`> ${typed}`] : [`> ${typed.slice(0, 158)}`, typed.slice(158)];
    await terminal.waitFor((lines) => lines.slice(-inputShown.length).join('\n') === inputShown.join('\n'), 'the typed line');

    node.push('bob', 'first news');
    node.push('carol', 'second news');
    const lines = await terminal.waitForLine('carol: second news');

    const dump = terminal.screen.dump();
    t.deepEqual(lines.slice(-inputShown.length), inputShown, dump);
    t.regex(lines.at(-inputShown.length - 2) ?? '', new RegExp(`^${TIME} bob: first news$`), dump);
    t.regex(lines.at(-inputShown.length - 1) ?? '', new RegExp(`^${TIME} carol: second news$`), dump);
    t.is(lines.filter((line) => line.startsWith('> ')).length, 1, `no stale copy of the input row:\n${dump}`);
    t.is(lines.filter((line) => line.includes('first news')).length, 1, dump);
    // The cursor is back at the end of the input: typing goes on where it stopped.
    terminal.typeSlowly('!');
    await terminal.waitFor(() => inputRows(terminal).join('') === `> ${typed}!`, 'the next character after the input');
  });
}

test('with the cursor moved back into the first row of a wrapped input, a message keeps the cursor where it was', async (t) => {
  const { node, terminal } = await startChat(t, { columns: 160 });
  const typed = 'x'.repeat(300);
  terminal.typeSlowly(typed);
  await terminal.waitFor((lines) => lines.at(-1) === 'x'.repeat(142), 'the typed line');
  terminal.type(KEY.ctrlA);
  await terminal.waitFor(() => terminal.screen.cursor.col === 2, 'the cursor at the start of the input');
  node.push('bob', 'hello');
  await terminal.waitForLine(/bob: hello$/);
  terminal.type('Y');
  const lines = await terminal.waitFor((l) => l.some((line) => line.startsWith('> Y')), 'the character typed at the start');
  t.deepEqual(lines.slice(-3), [lines.find((l) => / bob: hello$/.test(l)), `> Y${'x'.repeat(157)}`, 'x'.repeat(143)]);
});

// 2. Over-long input ---------------------------------------------------------------

test('a 70,000-character paste is cut at once to the input limit, with one notice, and cannot be sent', async (t) => {
  const { node, terminal } = await startChat(t, { columns: 160 });
  const limit = DEFAULT_CLIENT_SETTINGS.inputMaxChars;
  const before = terminal.output.bytes;
  // One character per chunk: the way that made readline's work grow with the square of the length.
  terminal.typeSlowly(`/to bob ${'y'.repeat(70_000)}`);
  const lines = await terminal.waitForLine(`input cut at ${limit} characters (a message holds at most ${MESSAGE_MAX}): the rest was dropped`);
  t.is(lines.filter((line) => line.includes('input cut at')).length, 1);
  // Bounded work: the redraws written for the paste grow with the limit, not with the paste.
  t.true(terminal.output.bytes - before < 50 * limit, `${terminal.output.bytes - before} bytes written for the paste`);
  await terminal.waitFor(() => inputRows(terminal).join('').length === '> '.length + limit, 'the cut input line');
  // Editing keys still pass at the limit, and a character fits again once one is gone.
  terminal.typeSlowly(`\x7fQ`);
  await terminal.waitFor(() => inputRows(terminal).join('') === `> /to bob ${'y'.repeat(limit - '/to bob '.length - 1)}Q`, 'the edited line');

  terminal.type(KEY.enter);
  await terminal.waitForLine(`the message is too long: ${limit - '/to bob '.length} characters, at most ${MESSAGE_MAX} fit`);
  t.deepEqual(chatRequests(node), []);
  // The line is usable again at once.
  terminal.type(`/to bob ${'z'.repeat(MESSAGE_MAX)}${KEY.enter}`);
  await terminal.waitForLine(/you → bob: z+/);
  t.is(chatRequests(node)[0]?.message.length, MESSAGE_MAX);
});

// 3. Own messages ------------------------------------------------------------------

test('a sent message is shown as "you → bob" with its time and the stored tick; an offline recipient gets a note', async (t) => {
  const { terminal } = await startChat(t, { columns: 160, node: { offline: ['carol'] } });
  terminal.type(`/to bob hi bob${KEY.enter}`);
  await terminal.waitForLine(new RegExp(`^${TIME} you → bob: hi bob ✓$`));
  terminal.type(`/to carol hi carol${KEY.enter}`);
  await terminal.waitForLine(new RegExp(`^${TIME} you → carol: hi carol ✓ \\(carol is offline: delivered at their next login\\)$`));
  t.pass();
});

// 4. Unknown recipients ------------------------------------------------------------

test('/to an unknown user says there is no such user and does not make them the default', async (t) => {
  const { node, terminal } = await startChat(t);
  terminal.type(`/to ghost boo${KEY.enter}`);
  const lines = await terminal.waitForLine('there is no user named ghost');
  t.is(lines.at(-1), '>', 'the prompt names no recipient');
  terminal.type(`hello?${KEY.enter}`);
  await terminal.waitForLine('who to? use /to USER MESSAGE first');
  t.deepEqual(chatRequests(node).map((c) => c.to), ['ghost']);
});

test('after a failed /to the previous default recipient stays', async (t) => {
  const { node, terminal } = await startChat(t);
  terminal.type(`/to bob one${KEY.enter}`);
  await terminal.waitForLine(/you → bob: one ✓/);
  terminal.type(`/to ghost two${KEY.enter}`);
  await terminal.waitForLine('there is no user named ghost');
  terminal.type(`three${KEY.enter}`);
  await terminal.waitForLine(/you → bob: three ✓/);
  t.deepEqual(chatRequests(node).map((c) => c.to), ['bob', 'ghost', 'bob']);
  t.is(terminal.lines().at(-1), '[to bob]>');
});

test('a plain line typed while /to waits for its answer goes to that recipient; commands do not wait', async (t) => {
  const { node, terminal, client } = await startChat(t);
  const release = node.holdChats();
  terminal.type(`/to bob first${KEY.enter}second${KEY.enter}/help${KEY.enter}`);
  await terminal.waitForLine('commands:');
  // Answered after everything the client sent before it: the server has seen all of it.
  await client.request('ping', {});
  t.deepEqual(chatRequests(node).map((c) => c.message), ['first'], 'the plain line waits for the /to');
  release();
  await terminal.waitForLine(/you → bob: second ✓/);
  t.deepEqual(chatRequests(node).map((c) => `${c.to}:${c.message}`), ['bob:first', 'bob:second']);
});

// 5. The prompt follows /to at once ---------------------------------------------------

test('the prompt shows the new recipient as soon as /to is answered', async (t) => {
  const { terminal } = await startChat(t);
  terminal.type(`/to bob hi${KEY.enter}`);
  // Checked in the same turn the echo is written: nothing else has printed since.
  const lines = await terminal.waitForLine(/you → bob: hi ✓/);
  t.is(lines.at(-1), '[to bob]>');
  t.is(terminal.cursorLine(), '[to bob]>');
});

// 8. Ctrl-C, history, completion ------------------------------------------------------

test('Ctrl-C logs out and says bye on its own line, below what was typed', async (t) => {
  const { node, terminal, session } = await startChat(t);
  terminal.type('half a thought');
  await terminal.waitFor((lines) => lines.at(-1) === '> half a thought', 'the typed text');
  terminal.type(KEY.ctrlC);
  t.is(await session.done, 'quit');
  t.deepEqual(terminal.lines().slice(-3), ['> half a thought', 'bye', '']);
  t.true(node.requests.some((r) => r.action === 'logout'));
});

test('/quit says bye on its own line', async (t) => {
  const { terminal, session } = await startChat(t);
  terminal.type(`/quit${KEY.enter}`);
  t.is(await session.done, 'quit');
  t.deepEqual(terminal.lines().slice(-3), ['> /quit', 'bye', '']);
});

test('Ctrl-D on an empty line leaves the same way', async (t) => {
  const { terminal, session } = await startChat(t);
  terminal.type('\x04');
  t.is(await session.done, 'quit');
  t.deepEqual(terminal.lines().slice(-3), ['>', 'bye', '']);
});

test('up and down go through the lines typed before, also in the next session of the same run', async (t) => {
  const history: string[] = [];
  const first = await startChat(t, { history });
  first.terminal.type(`/to bob one${KEY.enter}`);
  await first.terminal.waitForLine(/you → bob: one ✓/);
  first.terminal.type(`/who bob${KEY.enter}`);
  await first.terminal.waitForLine('bob is online');
  first.terminal.type(KEY.up);
  await first.terminal.waitFor((lines) => lines.at(-1) === '[to bob]> /who bob', 'the last line again');
  first.terminal.type(KEY.up);
  await first.terminal.waitFor((lines) => lines.at(-1) === '[to bob]> /to bob one', 'the line before');
  first.terminal.type(KEY.down);
  await first.terminal.waitFor((lines) => lines.at(-1) === '[to bob]> /who bob', 'the last line after down');
  first.terminal.type(KEY.ctrlC);
  await first.session.done;

  const second = await startChat(t, { history });
  second.terminal.type(KEY.up);
  await second.terminal.waitFor((lines) => lines.at(-1) === '> /who bob', 'the history of the first session');
  t.pass();
});

test('Tab completes commands and the names of users seen lately', async (t) => {
  const { node, terminal } = await startChat(t);
  terminal.type(`/wh${KEY.tab}`);
  await terminal.waitFor((lines) => lines.at(-1) === '> /who', 'the completed command');
  terminal.type(`xyz${KEY.enter}`);
  await terminal.waitForLine('there is no user named xyz');

  node.push('bob', 'ping me');
  await terminal.waitForLine(/bob: ping me$/);
  terminal.type(`/to b${KEY.tab}`);
  await terminal.waitFor((lines) => lines.at(-1) === '> /to bob', 'the completed name');
  terminal.type(`pong${KEY.enter}`);
  await terminal.waitForLine(/you → bob: pong ✓/);
  t.deepEqual(chatRequests(node).map((c) => `${c.to}:${c.message}`), ['bob:pong']);
});
