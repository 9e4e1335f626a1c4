import test, { type ExecutionContext } from 'ava';
import { ChatClient, type ChatClientOptions, type ChatDelivery } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import { resolveNodeUrl } from '../../client/server-address.js';
import type { RoomEvent } from '../../protocol/actions.js';
import { connectMongo } from '../../src/storage/mongo.js';
import { RoomStore } from '../../src/storage/room-store.js';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually, startCluster } from '../helpers/cluster.js';
import { testServices, type TestServices } from '../helpers/services-env.js';
import { FakeTerminal, KEY } from '../helpers/terminal-screen.js';
import { uniqueName } from '../helpers/users.js';

// The terminal client's rooms as a person uses them: the real LineSession and ChatClient in front
// of a fake terminal, against real chat nodes (and, for the reconnect, a real cluster and gateway).

const TIME = '\\d\\d:\\d\\d:\\d\\d';
const PASSWORD = 'rooms-test-pw';
const FAST = { RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' };

/** The `world` room of `npm run seed`: every user is in it, membership not stored. */
async function seedWorld(services: TestServices): Promise<void> {
  const { client, db } = await connectMongo(services.mongoUrl, services.mongoDb, { connectTimeoutMs: 5000 });
  try {
    await new RoomStore(db).ensure('world', [], true);
  } finally {
    await client.close();
  }
}

/** A node whose database has the world room. */
async function nodeWithWorld(t: ExecutionContext): Promise<string> {
  const services = testServices();
  await seedWorld(services);
  const { port } = await startTestNode(t, FAST, services);
  return `ws://127.0.0.1:${port}`;
}

interface Person {
  username: string;
  client: ChatClient;
  terminal: FakeTerminal;
  session: LineSession;
}

/** A new user, logged in, at the chat line; `prompt` is the prompt it should start with. */
async function person(t: ExecutionContext, url: string, prompt: string, options: ChatClientOptions = {}): Promise<Person> {
  const username = uniqueName('u');
  const client = new ChatClient({ heartbeatMs: 0, ...options });
  t.teardown(() => client.close());
  await client.connect(url);
  await client.request('register', { username, password: PASSWORD });
  await client.request('login', { username, password: PASSWORD });
  const terminal = new FakeTerminal(160);
  const session = new LineSession(client, username, { terminal });
  t.teardown(() => session.quit());
  await terminal.waitFor((lines) => lines.at(-1) === prompt, `the prompt "${prompt}"`);
  return { username, client, terminal, session };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const roomLine = (room: string, from: string, text: string): RegExp => new RegExp(`^${TIME} #${escape(room)} ${escape(from)}: ${escape(text)}$`);
const count = (lines: string[], pattern: RegExp): number => lines.filter((line) => pattern.test(line)).length;

test('after login plain lines go to the world room: others see them under the room name, the sender gets the stored echo', async (t) => {
  const url = await nodeWithWorld(t);
  const alice = await person(t, url, '[#world]>');
  const bob = await person(t, url, '[#world]>');

  alice.terminal.type(`hello everyone${KEY.enter}`);
  await alice.terminal.waitForLine(new RegExp(`^${TIME} #world you: hello everyone ✓$`));
  await bob.terminal.waitForLine(roomLine('world', alice.username, 'hello everyone'));

  // /to still switches to a private conversation, which looks different; /join goes back.
  bob.terminal.type(`/to ${alice.username} just you${KEY.enter}`);
  await alice.terminal.waitForLine(new RegExp(`^${TIME} ${escape(bob.username)}: just you$`));
  await bob.terminal.waitFor((lines) => lines.at(-1) === `[to ${alice.username}]>`, 'the private target in the prompt');
  bob.terminal.type(`/join world${KEY.enter}back in the world${KEY.enter}`);
  await alice.terminal.waitForLine(roomLine('world', bob.username, 'back in the world'));
  t.is(bob.terminal.lines().at(-1), '[#world]>');
});

test('create, join (Tab-completed), plain lines to the room, /rooms, joins and leaves shown, /leave falls back to the world room', async (t) => {
  const url = await nodeWithWorld(t);
  const alice = await person(t, url, '[#world]>');
  const bob = await person(t, url, '[#world]>');
  const room = uniqueName('room');

  alice.terminal.type(`/create ${room} A test room${KEY.enter}`);
  await alice.terminal.waitForLine(`created #${room} "A test room": you are its first member`);
  await alice.terminal.waitFor((lines) => lines.at(-1) === `[#${room}]>`, 'the new room in the prompt');

  // bob learns the name from /rooms, and Tab completes it.
  bob.terminal.type(`/rooms${KEY.enter}`);
  await bob.terminal.waitForLine(new RegExp(`^  #${room}\\s+A test room\\s+1\\s+\\d+$`));
  bob.terminal.type(`/join ${room.slice(0, 6)}${KEY.tab}`);
  await bob.terminal.waitFor((lines) => lines.at(-1) === `[#world]> /join ${room}`, 'the completed room name');
  bob.terminal.type(KEY.enter);
  await bob.terminal.waitForLine(new RegExp(`^joined #${room} \\("A test room", 2 members, \\d+ online\\)$`));
  await bob.terminal.waitFor((lines) => lines.at(-1) === `[#${room}]>`, 'the joined room in the prompt');
  await alice.terminal.waitForLine(new RegExp(`^${TIME} #${room} ${escape(bob.username)} joined$`));

  bob.terminal.type(`hi from bob${KEY.enter}`);
  await alice.terminal.waitForLine(roomLine(room, bob.username, 'hi from bob'));
  await bob.terminal.waitForLine(new RegExp(`^${TIME} #${room} you: hi from bob ✓$`));
  alice.terminal.type(`/rooms${KEY.enter}`);
  const listed = await alice.terminal.waitForLine(new RegExp(`^✓ #${room}\\s+A test room\\s+2\\s+\\d+$`));
  t.true(listed.some((line) => /^✓ #world\s+world\s+everyone\s+\d+$/.test(line)), alice.terminal.screen.dump());

  bob.terminal.type(`/leave${KEY.enter}`);
  await bob.terminal.waitForLine(`left #${room}`);
  await bob.terminal.waitFor((lines) => lines.at(-1) === '[#world]>', 'the world room in the prompt again');
  await alice.terminal.waitForLine(new RegExp(`^${TIME} #${room} ${escape(bob.username)} left$`));
  // Leaving twice is fine.
  bob.terminal.type(`/leave ${room}${KEY.enter}`);
  const left = await bob.terminal.waitFor((lines) => count(lines, new RegExp(`^left #${room}$`)) === 2, 'the second leave');
  t.is(left.at(-1), '[#world]>');
});

test('/join shows the recent messages; /history N prints the last N of the current conversation, oldest first', async (t) => {
  const url = await nodeWithWorld(t);
  const alice = await person(t, url, '[#world]>');
  const bob = await person(t, url, '[#world]>');
  const room = uniqueName('hist');
  alice.terminal.type(`/create ${room}${KEY.enter}`);
  await alice.terminal.waitFor((lines) => lines.at(-1) === `[#${room}]>`, 'the new room in the prompt');
  for (let i = 1; i <= 5; i++) {
    alice.terminal.type(`message ${i}${KEY.enter}`);
    await alice.terminal.waitForLine(new RegExp(`#${room} you: message ${i} ✓$`));
  }

  bob.terminal.type(`/join ${room}${KEY.enter}`);
  const joined = await bob.terminal.waitForLine(roomLine(room, alice.username, 'message 5'));
  const recent = joined.slice(joined.findIndex((line) => line === `— recent in #${room} —`) + 1).filter((line) => line.includes(`#${room} ${alice.username}:`));
  t.deepEqual(recent.map((line) => line.slice(line.indexOf(': ') + 2)), ['message 1', 'message 2', 'message 3', 'message 4', 'message 5']);

  bob.terminal.type(`/history 3${KEY.enter}`);
  const lines = await bob.terminal.waitForLine(`— the last 3 messages of #${room} —`);
  const start = lines.lastIndexOf(`— the last 3 messages of #${room} —`);
  const shown = lines.slice(start + 1, start + 4);
  ['message 3', 'message 4', 'message 5'].forEach((text, i) => t.regex(shown[i] ?? '', roomLine(room, alice.username, text), bob.terminal.screen.dump()));

  // The private conversation's history, once the target is a user.
  bob.terminal.type(`/to ${alice.username} a private word${KEY.enter}`);
  await bob.terminal.waitFor((lines) => lines.at(-1) === `[to ${alice.username}]>`, 'the private target');
  bob.terminal.type(`/history${KEY.enter}`);
  const after = await bob.terminal.waitForLine(`— the last message of you and ${alice.username} —`);
  t.regex(after.at(-2) ?? '', new RegExp(`^${TIME} you → ${escape(alice.username)}: a private word ✓$`));
});

test('/hot lists the most used words with their counts', async (t) => {
  const url = await nodeWithWorld(t);
  const alice = await person(t, url, '[#world]>');
  alice.terminal.type(`zebrafish are zebrafish${KEY.enter}`);
  await alice.terminal.waitForLine('#world you: zebrafish are zebrafish ✓');
  // Words are counted as the archive takes the message: wait until the board has it.
  await eventually(async () => ((await alice.client.request('popular', { limit: 5 })).words.some((w) => w.word === 'zebrafish') ? true : undefined), 15_000, 'zebrafish on the board');
  alice.terminal.type(`/hot 5${KEY.enter}`);
  const lines = await alice.terminal.waitForLine(/^\s+\d+\. zebrafish\s+\d+$/);
  t.true(lines.includes('hot words:'));
});

test('errors read as sentences: unknown room, a name taken, a world room cannot be left', async (t) => {
  const url = await nodeWithWorld(t);
  const alice = await person(t, url, '[#world]>');
  alice.terminal.type(`/join nosuchroom${KEY.enter}`);
  await alice.terminal.waitForLine('there is no room named nosuchroom: /rooms lists them, /create nosuchroom makes it');
  alice.terminal.type(`/create World${KEY.enter}`);
  await alice.terminal.waitForLine('a room named World exists already: /join World');
  alice.terminal.type(`/leave${KEY.enter}`);
  await alice.terminal.waitForLine('"world" is a world room: every user is in it');
  t.is(alice.terminal.lines().at(-1), '[#world]>');
});

test('after its node is killed the client reconnects through the gateway and shows the room messages sent meanwhile once, in order', async (t) => {
  t.timeout(90_000);
  const cluster = await startCluster(t, 2);
  const [leader, follower] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const gateway = `http://127.0.0.1:${cluster.gatewayPort}`;
  // alice's reconnects ask the gateway, once the test lets them: the messages below are sent while she is away.
  let letReconnect!: () => void;
  const reconnectAllowed = new Promise<void>((resolve) => (letReconnect = resolve));
  const alice = await person(t, `ws://127.0.0.1:${follower.clientPort}`, '>', {
    resolveUrl: async () => {
      await reconnectAllowed;
      return resolveNodeUrl(gateway);
    },
    backoff: { initialMs: 100, maxMs: 500 },
  });
  const deliveries: string[] = [];
  alice.client.on('roomEvent', (event: RoomEvent, { source }: ChatDelivery) => {
    if (event.action === 'roomChat') deliveries.push(`${source} ${event.data.message}`);
  });

  const bob = new ChatClient({ heartbeatMs: 0 });
  t.teardown(() => bob.close());
  await bob.connect(`ws://127.0.0.1:${leader.clientPort}`);
  const bobName = uniqueName('bob');
  await bob.request('register', { username: bobName, password: PASSWORD });
  await bob.request('login', { username: bobName, password: PASSWORD });
  const room = uniqueName('crash');
  await bob.request('createRoom', { name: room });

  alice.terminal.type(`/join ${room}${KEY.enter}`);
  await alice.terminal.waitFor((lines) => lines.at(-1) === `[#${room}]>`, 'the room in the prompt');
  await bob.request('roomChat', { room, message: 'before the crash' });
  await alice.terminal.waitForLine(roomLine(room, bobName, 'before the crash'));

  follower.proc.child.kill('SIGKILL');
  await alice.terminal.waitForLine('connection lost', 15_000);
  for (let i = 1; i <= 3; i++) await bob.request('roomChat', { room, message: `while away ${i}` });
  letReconnect();
  await alice.terminal.waitForLine(new RegExp(`^reconnected as ${escape(alice.username)} on ${leader.id}$`), 30_000);
  await alice.terminal.waitForLine(roomLine(room, bobName, 'while away 3'), 15_000);
  // A message sent after all of them: once it is shown, anything shown twice would be on screen already.
  await bob.request('roomChat', { room, message: 'back live' });
  const lines = await alice.terminal.waitForLine(roomLine(room, bobName, 'back live'));

  const expected = ['before the crash', 'while away 1', 'while away 2', 'while away 3', 'back live'];
  const rows = expected.map((text) => lines.findIndex((line) => roomLine(room, bobName, text).test(line)));
  t.true(
    rows.every((row, i) => row >= 0 && (i === 0 || row > rows[i - 1]!)),
    `in order: ${rows.join(', ')}\n${alice.terminal.screen.dump()}`,
  );
  for (const text of expected) t.is(count(lines, roomLine(room, bobName, text)), 1, `"${text}" shown once`);
  t.deepEqual(deliveries, ['live before the crash', 'sync while away 1', 'sync while away 2', 'sync while away 3', 'live back live']);
});
