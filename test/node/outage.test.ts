import test from 'ava';
import { startTestNode } from '../helpers/chat-node.js';
import { testServices } from '../helpers/services-env.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { dataOf, loggedInClient } from '../helpers/users.js';

type ErrorData = { code: number; message: string };

test('Redis going away mid-session gives 503 replies, keeps the connection, and recovers', async (t) => {
  const services = testServices();
  const redis = await startTcpProxy(t, services.redisUrl);
  const { port } = await startTestNode(t, { REDIS_URL: `redis://${redis.address}` }, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  t.is((await alice.client.request('chat', { to: bob.username, message: 'before' })).action, 'chat');

  redis.cut();
  const during = await alice.client.request('chat', { to: bob.username, message: 'during', clientMsgId: 'during-1' });
  t.is(during.action, 'error');
  t.is(dataOf<ErrorData>(during).code, 503);
  t.regex(dataOf<ErrorData>(during).message, /unavailable: try again/);
  t.is((await alice.client.request('ping')).action, 'ping', 'the connection is still served');

  redis.heal();
  let after = await alice.client.request('chat', { to: bob.username, message: 'during', clientMsgId: 'during-1' });
  for (let i = 0; i < 50 && after.action === 'error'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    after = await alice.client.request('chat', { to: bob.username, message: 'during', clientMsgId: 'during-1' });
  }
  t.is(after.action, 'chat', JSON.stringify(after));
  await bob.client.next(() => bob.client.events('chat').length === 2);
  t.deepEqual(bob.client.events('chat').map((e) => dataOf<{ message: string }>(e).message), ['before', 'during']);
});

test('a login while Redis is away fails with 503 and leaves the connection logged out', async (t) => {
  const services = testServices();
  const redis = await startTcpProxy(t, services.redisUrl);
  const { port } = await startTestNode(t, { REDIS_URL: `redis://${redis.address}`, REDIS_COMMAND_TIMEOUT_MS: '1000' }, services);
  const alice = await loggedInClient(port);
  await alice.client.request('logout');

  redis.cut();
  const login = await alice.client.request('login', { username: alice.username, password: 'correct-horse' });
  t.is(dataOf<ErrorData>(login).code, 503);
  const chat = await alice.client.request('chat', { to: alice.username, message: 'am I in?' });
  t.is(dataOf<ErrorData>(chat).code, 401, 'not logged in');

  redis.heal();
  let again = await alice.client.request('login', { username: alice.username, password: 'correct-horse' });
  for (let i = 0; i < 50 && again.action === 'error'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    again = await alice.client.request('login', { username: alice.username, password: 'correct-horse' });
  }
  t.is(again.action, 'login', JSON.stringify(again));
  t.like((await alice.client.request('userInfo', { username: alice.username })).data, { online: true, devices: 1 });
});
