import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '../../src/env.js';
import { loadProxyTrust } from '../../src/node/client-address.js';
import { startTestNode } from '../helpers/chat-node.js';
import { TestClient } from '../helpers/ws-client.js';

/** A connection that claims, through X-Forwarded-For, to come from `forwardedFor`; `from` is the local address it dials from. */
async function connect(t: ExecutionContext, port: number, forwardedFor: string, from = '127.0.0.1'): Promise<TestClient> {
  const client = await TestClient.connect(port, { headers: { 'x-forwarded-for': forwardedFor }, localAddress: from });
  t.teardown(() => client.close());
  return client;
}

/** One connection per address (MAX_CONNECTIONS_PER_IP=1), so a 4004 shows which address a connection was counted under. */
const onePerAddress = (trustProxy: string) => ({ MAX_CONNECTIONS_PER_IP: '1', TRUST_PROXY: trustProxy });

test('without TRUST_PROXY, X-Forwarded-For is ignored: two connections from one peer share its limit', async (t) => {
  const { port } = await startTestNode(t, onePerAddress('off'));
  const first = await connect(t, port, '203.0.113.1');
  const second = await connect(t, port, '203.0.113.2');
  t.is((await second.closed).code, 4004);
  t.is((await first.request('ping')).action, 'ping');
});

test('with TRUST_PROXY=on, a loopback proxy names the client: per-address limits count the first X-Forwarded-For address', async (t) => {
  const { port } = await startTestNode(t, onePerAddress('on'));
  const alice = await connect(t, port, '203.0.113.1');
  const bob = await connect(t, port, '203.0.113.2, 198.51.100.9');
  const aliceAgain = await connect(t, port, '203.0.113.1');
  t.is((await aliceAgain.closed).code, 4004, 'a second connection of one forwarded address is over its limit');
  t.is((await alice.request('ping')).action, 'ping');
  t.is((await bob.request('ping')).action, 'ping', 'another forwarded address has its own limit');
});

test('with a TRUST_PROXY list, only the listed proxies are believed', async (t) => {
  const { port } = await startTestNode(t, onePerAddress('127.0.0.2'));
  const viaProxy = [await connect(t, port, '203.0.113.1', '127.0.0.2'), await connect(t, port, '203.0.113.2', '127.0.0.2')];
  const unlisted = [await connect(t, port, '203.0.113.3'), await connect(t, port, '203.0.113.4')];
  t.is((await unlisted[1]!.closed).code, 4004, 'a peer not on the list is counted under its own address');
  for (const client of [...viaProxy, unlisted[0]!]) t.is((await client.request('ping')).action, 'ping');
});

test('TRUST_PROXY takes off, on or a list of IP addresses, and names itself when it is anything else', (t) => {
  t.is(loadProxyTrust({}), null);
  t.is(loadProxyTrust({ TRUST_PROXY: 'off' }), null);
  t.deepEqual(loadProxyTrust({ TRUST_PROXY: 'on' }), { kind: 'loopback' });
  t.deepEqual(loadProxyTrust({ TRUST_PROXY: '10.0.0.5, ::ffff:10.0.0.6,fd00::1' }), { kind: 'addresses', addresses: new Set(['10.0.0.5', '10.0.0.6', 'fd00::1']) });
  for (const bad of ['10.0.0.0/8', 'proxy.internal', '10.0.0.5,']) {
    t.throws(() => loadProxyTrust({ TRUST_PROXY: bad }), { instanceOf: ConfigError, message: /^TRUST_PROXY must be/ });
  }
});
