import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { MongoClient } from 'mongodb';
import { testServices } from '../helpers/services-env.js';
import { distPath } from '../helpers/spawn.js';
import { SEED_ROOMS, SEED_USERS } from '../../src/seed-data.js';

const run = promisify(execFile);

test('seed writes the users and rooms, and a second run leaves the same data', async (t) => {
  const services = testServices();
  const env = { ...process.env, MONGO_URL: services.mongoUrl, MONGO_DB: services.mongoDb };
  const first = await run(process.execPath, [distPath('dist/src/seed.js')], { env });
  t.regex(first.stdout, /users created: alice, bob/);
  t.regex(first.stdout, /room world \(everyone\): created/);

  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  const db = mongo.db(services.mongoDb);
  const snapshot = async () => ({
    users: await db.collection('users').find({}, { projection: { _id: 0 } }).sort({ key: 1 }).toArray(),
    rooms: await db.collection('rooms').find({}, { projection: { _id: 0 } }).sort({ name: 1 }).toArray(),
  });
  const before = await snapshot();
  t.deepEqual(before.users.map((u) => u.username), [...SEED_USERS].sort());
  t.deepEqual(before.rooms.map((r) => r.name), SEED_ROOMS.map((r) => r.name).sort());
  t.deepEqual(before.rooms.find((r) => r.name === 'lobby')?.members, ['alice', 'bob', 'carol', 'dave']);

  const second = await run(process.execPath, [distPath('dist/src/seed.js')], { env });
  t.regex(second.stdout, /users: all 12 already there/);
  t.regex(second.stdout, /room lobby .*: already there/);
  t.deepEqual(await snapshot(), before);
});
