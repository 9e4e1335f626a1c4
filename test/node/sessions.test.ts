import test from 'ava';
import { Redis } from 'ioredis';
import { GlobalSessions } from '../../src/session/global-sessions.js';
import { RedisKeys } from '../../src/storage/redis-keys.js';
import { testServices } from '../helpers/services-env.js';

function sessions(t: import('ava').ExecutionContext): GlobalSessions {
  const services = testServices();
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  return new GlobalSessions(redis, new RedisKeys(services.redisPrefix));
}

test("the leader's clean-up of a dead node removes only what that node wrote under its dead ZooKeeper session", async (t) => {
  const global = sessions(t);
  // node-2 wrote alice under session "old", died, registered again as "new" and wrote bob.
  await global.setNodeDevices('alice', 'node-2', 'old', 1, 1000);
  await global.setNodeDevices('Bob', 'node-2', 'new', 2, 2000);
  await global.setNodeDevices('carol', 'node-1', 'n1', 1, 3000);
  await global.setNodeDevices('carol', 'node-2', 'old', 1, 4000);
  // Written before node-2 had registered at all: no fence yet. Its death removes it too.
  await global.setNodeDevices('erin', 'node-2', '', 1, 4500);

  const removed = await global.removeNode('node-2', 'old');
  t.is(removed, 3, 'alice, carol and erin lost their node-2 share');
  t.is(await global.get('alice'), null);
  t.is(await global.get('erin'), null);
  t.like(await global.get('bob'), { user: 'bob', nodeId: 'node-2', devices: { 'node-2': 2 } }, "what the node wrote after rejoining stays");
  t.like(await global.get('carol'), { nodeId: 'node-1', devices: { 'node-1': 1 } }, 'the session moves to the node still holding a device');

  // Shutdown (no fence): everything of the node goes.
  t.is(await global.removeNode('node-2'), 1);
  t.is(await global.get('bob'), null);
});

test('session keys are case-folded: any spelling finds the same session', async (t) => {
  const global = sessions(t);
  await global.setNodeDevices('Dave', 'node-1', 'f', 1, 5000);
  await global.setNodeDevices('dave', 'node-1', 'f', 2);
  t.like(await global.get('DAVE'), { user: 'dave', nodeId: 'node-1', loginAt: 5000, devices: { 'node-1': 2 } });
});
