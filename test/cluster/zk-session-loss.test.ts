import test from 'ava';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { testServices } from '../helpers/services-env.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { dataOf, loggedInClient } from '../helpers/users.js';

type UserInfo = { online: boolean; nodeId: string | null };

test('a node that loses its ZooKeeper session keeps its users: they are online again once it is back', async (t) => {
  const services = testServices();
  const leader = await startTestNode(t, { NODE_ID: 'node-a', CLUSTER_TICK_MS: '100' }, services);
  const zk = await startTcpProxy(t, services.zkConnect);
  const follower = await startTestNode(t, { NODE_ID: 'node-b', CLUSTER_TICK_MS: '100', ZK_CONNECT: zk.address }, services);
  const alice = await loggedInClient(leader.port);
  const bob = await loggedInClient(follower.port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  const bobInfo = async () => dataOf<UserInfo>(await alice.client.request('userInfo', { username: bob.username }));
  await eventually(async () => ((await bobInfo()).online ? true : undefined), 10_000, 'bob online');

  // node-b's ZooKeeper goes away for longer than its session timeout (2 s): the leader sees it die.
  zk.cut();
  await eventually(async () => ((await bobInfo()).online ? undefined : true), 15_000, 'bob to look offline while node-b is cut off');
  zk.heal();

  // node-b registers again and writes its sessions back; bob never disconnected.
  const info = await eventually(async () => {
    const current = await bobInfo();
    return current.online ? current : undefined;
  }, 20_000, 'bob online again');
  t.is(info.nodeId, 'node-b');
  await new Promise((resolve) => setTimeout(resolve, 500)); // past the leader's late clean-up, if any
  t.true((await bobInfo()).online, 'and stays online');
  const reply = await alice.client.request('chat', { to: bob.username, message: 'you are back' });
  t.is(reply.action, 'chat', JSON.stringify(reply));
  await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f), 10_000);
});
