import { once } from 'node:events';
import test from 'ava';
import type { ChatClientEvents } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import type { ChatEventData, RoomMessage } from '../../protocol/actions.js';
import { eventually, startCluster } from '../helpers/cluster.js';
import { connectToFollower } from '../helpers/follower-client.js';
import { FakeTerminal, KEY } from '../helpers/terminal-screen.js';
import { loggedInClient, uniqueName } from '../helpers/users.js';

const TIME = '\\d\\d:\\d\\d:\\d\\d';

/** The requests a node finished or refused (its debug log), by action, from the log's `from`-th character on. */
function requestsLogged(stdout: string, from: number): string[] {
  return stdout
    .slice(from)
    .split('\n')
    .map((line) => {
      try {
        // A line cut at the mark or not complete yet is no entry.
        return JSON.parse(line) as { msg?: string; action?: string };
      } catch {
        return {};
      }
    })
    .filter((entry) => entry.msg === 'request done' || entry.msg === 'request failed')
    .map((entry) => `${entry.msg === 'request done' ? 'done' : 'failed'} ${entry.action}`);
}

test('when its node dies the terminal client comes back through the gateway with its resume token, and the conversation goes on', async (t) => {
  t.timeout(60_000);
  // Debug logs: each node logs every request it answers, with its action.
  const cluster = await startCluster(t, 2, { env: { LOG_LEVEL: 'debug' } });
  // The terminal client as `npm run client` builds it, on the follower.
  const { client, settings } = await connectToFollower(t, cluster);
  const username = uniqueName('rsm');
  await client.request('register', { username, password: 'resume-pw' });
  const login = await client.request('login', { username, password: 'resume-pw', device: 'dev-resume' });
  t.truthy(login.resumeToken);
  const dying = cluster.nodes.find((node) => node.id === login.nodeId)!;
  const survivor = cluster.nodes.find((node) => node !== dying)!;
  const room = uniqueName('rr').slice(0, 32);
  await client.request('createRoom', { name: room });

  // Someone on the other node, in a private conversation and in a room with the client's user.
  const peer = await loggedInClient(survivor.clientPort, uniqueName('peer'));
  t.teardown(() => peer.client.close());
  t.is((await peer.client.request('joinRoom', { room })).action, 'joinRoom');

  const terminal = new FakeTerminal(200);
  const session = new LineSession(client, login.username, { terminal, settings });
  t.teardown(() => session.quit());
  await terminal.waitFor((lines) => lines.at(-1)?.endsWith('>') === true, 'the chat prompt');

  // Everything the surviving node logs from here on is about the client's way back (the peer is
  // logged in and in the room already).
  const mark = survivor.proc.stdout().length;
  const disconnected = once(client, 'disconnected');
  const reconnected = once(client, 'reconnected') as Promise<ChatClientEvents['reconnected']>;
  dying.proc.child.kill('SIGKILL');
  await disconnected;
  // Sent while the client is away: only a sync after its new login can bring them.
  t.is((await peer.client.request('chat', { to: username, message: 'sent while you were away' })).action, 'chat');
  t.is((await peer.client.request('roomChat', { room, message: 'room while away' })).action, 'roomChat');

  const [back] = await reconnected;
  t.like(back, { resumed: true, login: { username: login.username, nodeId: survivor.id } });
  t.not(back.login!.resumeToken, login.resumeToken, 'a new token for the next time');
  await terminal.waitForLine(`reconnected as ${login.username} on ${survivor.id}`, 30_000);
  await terminal.waitForLine(new RegExp(`^${TIME} ${peer.username}: sent while you were away$`), 15_000);
  await terminal.waitForLine(new RegExp(`^${TIME} #${room} ${peer.username}: room while away$`), 15_000);

  // The conversation goes on: both ways, live.
  const heard = peer.client.next((f) => f.action === 'chat' && (f.data as ChatEventData).message === 'glad to be back');
  terminal.type(`/to ${peer.username} glad to be back${KEY.enter}`);
  t.is((await heard).action, 'chat');
  // Each command once its target is set (the prompt shows it): the line does not order the two.
  await terminal.waitFor((lines) => lines.at(-1) === `[to ${peer.username}]>`, 'the prompt to the peer');
  const inRoom = peer.client.next((f) => f.action === 'roomChat' && (f.data as RoomMessage).message === 'hello room', 15_000);
  terminal.type(`/join ${room}${KEY.enter}`);
  await terminal.waitFor((lines) => lines.at(-1) === `[#${room}]>`, 'the prompt to the room');
  terminal.type(`hello room${KEY.enter}`);
  t.is((await inRoom).action, 'roomChat');
  t.is((await peer.client.request('chat', { to: username, message: 'welcome back' })).action, 'chat');
  await terminal.waitForLine(new RegExp(`^${TIME} ${peer.username}: welcome back$`), 15_000);

  // The surviving node saw the client log in with its token: a resume, and no password login.
  const logged = await eventually(
    async () => {
      const entries = requestsLogged(survivor.proc.stdout(), mark);
      return entries.includes('done resume') ? entries : undefined;
    },
    10_000,
    'the resume in the surviving node\'s log',
  );
  t.deepEqual(
    logged.filter((entry) => / (login|resume)$/.test(entry)),
    ['done resume'],
    logged.join('\n'),
  );
});
