import { once } from 'node:events';
import test from 'ava';
import { ChatClient } from '../../client/chat-client.js';
import { resolveNodeUrl } from '../../client/server-address.js';
import { sendChat } from '../../client/send-chat.js';
import type { ChatEventData } from '../../protocol/actions.js';
import { startCluster } from '../helpers/cluster.js';
import { loggedInClient, uniqueName } from '../helpers/users.js';

test('the terminal client starts from the gateway and reconnects through it when its node dies', async (t) => {
  const cluster = await startCluster(t, 3);
  const gateway = `http://127.0.0.1:${cluster.gatewayPort}`;
  const client = new ChatClient({ resolveUrl: () => resolveNodeUrl(gateway), backoff: { initialMs: 100, maxMs: 500 } });
  t.teardown(() => client.close());

  // Wait until the leader has published the followers, then connect where the gateway says.
  let url = '';
  for (let i = 0; i < 100 && !url; i++) {
    url = await resolveNodeUrl(gateway).catch(() => '');
    if (!url) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await client.connect(url);
  const username = uniqueName('term');
  await client.request('register', { username, password: 'terminal-pw' });
  const first = await client.request('login', { username, password: 'terminal-pw' });
  const firstNode = cluster.nodes.find((n) => n.id === first.nodeId)!;
  t.not(firstNode.id, 'node-1', 'the gateway sends clients to followers');

  const sender = await loggedInClient(cluster.nodes[0]!.clientPort);
  t.teardown(() => sender.client.close());
  firstNode.proc.child.kill('SIGKILL');
  // Typed while the connection is down: it goes out once the client is back, and only once.
  const whileDown = new Promise<void>((resolve) => client.once('disconnected', () => resolve())).then(() => sendChat(client, sender.username, 'sent while down'));
  const [reconnected] = (await Promise.race([
    once(client, 'reconnected'),
    new Promise((_, reject) => setTimeout(() => reject(new Error('no reconnect within 20 s')), 20_000)),
  ])) as [{ login: { nodeId: string } | null }];
  t.truthy(reconnected.login, 'logged in again by itself');
  t.not(reconnected.login!.nodeId, firstNode.id, 'on another, live node');

  t.truthy((await whileDown).id);
  await sender.client.next(() => sender.client.events('chat').length > 0);
  t.deepEqual(sender.client.events('chat').map((e) => (e.data as ChatEventData).message), ['sent while down']);

  // And it is reachable there: a user on the leader writes to it.
  const received = new Promise<ChatEventData>((resolve) => client.once('chat', resolve));
  const reply = await sender.client.request('chat', { to: username, message: 'welcome back' });
  t.is(reply.action, 'chat', JSON.stringify(reply));
  t.is((await received).message, 'welcome back');
});
