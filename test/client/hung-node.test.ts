import test from 'ava';
import { LineSession } from '../../client/line-mode.js';
import { startCluster } from '../helpers/cluster.js';
import { connectToFollower } from '../helpers/follower-client.js';
import { FakeTerminal } from '../helpers/terminal-screen.js';
import { uniqueName } from '../helpers/users.js';

test('a hung node (SIGSTOP) is noticed by the client heartbeat, which reconnects through the gateway', async (t) => {
  t.timeout(60_000);
  const cluster = await startCluster(t, 2);
  // The terminal client as `npm run client` builds it, with the default settings, on the follower.
  const { client, settings } = await connectToFollower(t, cluster);
  const username = uniqueName('hung');
  await client.request('register', { username, password: 'hung-node-pw' });
  const login = await client.request('login', { username, password: 'hung-node-pw' });
  const hung = cluster.nodes.find((node) => node.id === login.nodeId)!;
  const terminal = new FakeTerminal(120);
  const session = new LineSession(client, login.username, { terminal, settings });
  t.teardown(() => session.quit());

  hung.proc.child.kill('SIGSTOP');
  // Let it go at the end, whatever happened; spawnNode's teardown then kills it.
  t.teardown(() => void hung.proc.child.kill('SIGCONT'));

  const silence = `${settings.pongTimeoutMs / 1000} s`;
  await terminal.waitForLine(`connection lost (no answer from the server for ${silence}), reconnecting in`, 30_000);
  const others = cluster.nodes.filter((node) => node !== hung).map((node) => node.id);
  const lines = await terminal.waitForLine(new RegExp(`^reconnected as ${login.username} on (${others.join('|')})$`), 30_000);
  t.false(lines.some((line) => line.includes(`on ${hung.id}`)), terminal.screen.dump());

  // And the new connection works from the chat line.
  terminal.type(`/who ${login.username}\r`);
  await terminal.waitForLine(new RegExp(`^${login.username} is online on (${others.join('|')})`), 15_000);
  t.pass();
});
