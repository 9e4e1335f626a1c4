import test from 'ava';
import { Redis } from 'ioredis';
import { closeClient, connectClient, exists, getChildren } from '../../src/cluster/zk-client.js';
import { nodeEnv, testServices } from '../helpers/services-env.js';
import { assertStartFails, portIsClosed, spawnNode } from '../helpers/spawn.js';
import { loggedInClient } from '../helpers/users.js';

function env(overrides: Record<string, string> = {}): Record<string, string> {
  return nodeEnv(testServices(), { NODE_ID: `proc-${process.pid}-${Math.random().toString(36).slice(2, 6)}`, ...overrides });
}


test('SIGTERM closes clients with 1001, removes their sessions and its znodes, frees the port and exits 0', async (t) => {
  const nodeVars = env();
  const proc = spawnNode(t, 'dist/src/node/main.js', nodeVars);
  const { clientPort } = (await proc.waitForLog('chat node listening')) as { clientPort: number };
  const { client, username } = await loggedInClient(clientPort);

  const redis = new Redis(nodeVars.REDIS_URL!);
  t.teardown(() => redis.disconnect());
  const sessionKey = `${nodeVars.REDIS_PREFIX}session:${username}`;
  t.is(await redis.hget(sessionKey, 'nodeId'), nodeVars.NODE_ID);
  const zk = await connectClient({ connect: nodeVars.ZK_CONNECT!, sessionTimeoutMs: 2000, timeoutMs: 5000, signal: new AbortController().signal });
  t.teardown(() => closeClient(zk, 1000));
  const registration = `${nodeVars.ZK_ROOT}/nodes/${nodeVars.NODE_ID}`;
  t.truthy(await exists(zk, registration));

  proc.child.kill('SIGTERM');
  const closed = await client.closed;
  t.is(closed.code, 1001);
  const { code } = await proc.exited;
  t.is(code, 0);
  t.true(await portIsClosed(clientPort));
  t.is(await redis.exists(sessionKey), 0, 'the global session is gone');
  t.is(await exists(zk, registration), null, 'its znode is gone at once, not after the session timeout');
  t.deepEqual(await getChildren(zk, `${nodeVars.ZK_ROOT}/election`), [], 'and so is its election znode');
  t.regex(proc.stdout(), /"msg":"chat node stopped"/);
});

test('MongoDB unreachable at start: one clear line on stderr and exit code 1', async (t) => {
  await assertStartFails(t, 'dist/src/node/main.js', env({ MONGO_URL: 'mongodb://127.0.0.1:1', CONNECT_TIMEOUT_MS: '500' }), /cannot start: cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:1/);
});

test('ZooKeeper unreachable at start: a clear line on stderr and exit code 1', async (t) => {
  await assertStartFails(t, 'dist/src/node/main.js', env({ ZK_CONNECT: '127.0.0.1:1', ZK_SESSION_TIMEOUT_MS: '1000' }), /cannot start: ZooKeeper unreachable at 127\.0\.0\.1:1/);
});

test('a bad setting stops start-up with a message naming it', async (t) => {
  await assertStartFails(t, 'dist/src/node/main.js', env({ MAX_FRAME_BYTES: 'lots' }), /MAX_FRAME_BYTES must be an integer/);
});
