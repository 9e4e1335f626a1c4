import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { ChatClient, type DisconnectInfo } from '../../client/chat-client.js';
import { LineSession } from '../../client/line-mode.js';
import { startFakeChatNode } from '../helpers/fake-chat-node.js';
import { distPath } from '../helpers/spawn.js';
import { FakeTerminal } from '../helpers/terminal-screen.js';

const credentials = { username: 'alice', password: 'alice-pass' };

test('a node that stops answering is dropped once it was silent for the pong timeout, and the line says so', async (t) => {
  const hung = await startFakeChatNode(t, { users: { alice: credentials.password }, autoPong: false });
  const alive = await startFakeChatNode(t, { users: { alice: credentials.password }, nodeId: 'node-alive' });
  const client = new ChatClient({ heartbeatMs: 20, heartbeatTimeoutMs: 200, backoff: { initialMs: 10, maxMs: 10 }, resolveUrl: async () => alive.url });
  t.teardown(() => client.close());
  await client.connect(hung.url);
  await client.request('login', credentials);
  const terminal = new FakeTerminal(120);
  const session = new LineSession(client, 'alice', { terminal });
  t.teardown(() => session.quit());

  const [info] = (await once(client, 'disconnected')) as [DisconnectInfo];
  t.like(info, { reason: 'no answer from the server for 0.2 s', willReconnect: true });
  await terminal.waitForLine(/^connection lost \(no answer from the server for 0\.2 s\), reconnecting in /);
  await terminal.waitForLine('reconnected as alice on node-alive');
  t.true((hung.pings.values().next().value ?? 0) > 0, 'the client pinged');
});

test('a node that answers the pings keeps the connection past many deadlines', async (t) => {
  const node = await startFakeChatNode(t, { users: { alice: credentials.password } });
  const client = new ChatClient({ heartbeatMs: 25, heartbeatTimeoutMs: 400 });
  t.teardown(() => client.close());
  let disconnects = 0;
  await client.connect(node.url);
  const [socket] = node.sockets;
  // 60 pings on one socket span more than three deadlines; a disconnect ends the wait too, and fails below.
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if ((node.pings.get(socket!) ?? 0) >= 60) resolve(clearInterval(check));
    }, 10);
    client.on('disconnected', () => {
      disconnects++;
      resolve(clearInterval(check));
    });
  });
  t.is(disconnects, 0);
  t.true(node.sockets.has(socket!));
  t.true(client.isReady);
});

/**
 * A WebSocket server in another process, so it answers while this one is blocked. It touches
 * `answered` right after each reply has gone out. Killed at teardown.
 */
async function answeringServer(t: ExecutionContext, answered: string): Promise<string> {
  const script = `
    import { writeFileSync } from 'node:fs';
    import { WebSocketServer } from 'ws';
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('listening', () => console.log(wss.address().port));
    wss.on('connection', (socket) => socket.on('message', (raw) => {
      const { id } = JSON.parse(raw.toString());
      socket.send(JSON.stringify({ v: 1, replyTo: id, action: 'ping', data: { ts: 1 } }), () => writeFileSync(${JSON.stringify(answered)}, id));
    }));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: distPath('.'), stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  const [port] = (await once(child.stdout!, 'data')) as [Buffer];
  return `ws://127.0.0.1:${port.toString().trim()}`;
}

test.serial('a busy event loop (a long redraw, say) does not make a healthy connection look dead', async (t) => {
  const answered = join(mkdtempSync(join(tmpdir(), 'zkchat-heartbeat-')), 'answered');
  const url = await answeringServer(t, answered);
  const client = new ChatClient({ heartbeatMs: 20, heartbeatTimeoutMs: 100 });
  t.teardown(() => client.close());
  let disconnects = 0;
  client.on('disconnected', () => disconnects++);
  await client.connect(url);
  await client.request('ping', {});
  // Block the loop past the deadline, until the server's answer to this request is on its way.
  const reply = client.request('ping', {});
  const until = Date.now() + 400;
  while (Date.now() < until || !existsSync(answered));
  t.deepEqual(await reply, { ts: 1 });
  t.is(disconnects, 0);
});
