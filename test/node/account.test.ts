import test from 'ava';
import { MongoClient } from 'mongodb';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

type ErrorData = { code: number; message: string };

test('register creates an account and a second register of the name is 409', async (t) => {
  const { port } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  const username = uniqueName('Reg');

  const ok = await client.request('register', { username, password: 'long-enough' });
  t.deepEqual(ok.data, { username });
  const again = await client.request('register', { username, password: 'another-one' });
  t.is(dataOf<ErrorData>(again).code, 409);
  // Names differing only in case are the same account.
  const upper = await client.request('register', { username: username.toUpperCase(), password: 'another-one' });
  t.is(dataOf<ErrorData>(upper).code, 409);
});

test('register rejects bad names and short passwords with 400 and a reason', async (t) => {
  const { port } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ username: 'ab', password: 'long-enough' }, /username/],
    [{ username: 'has space', password: 'long-enough' }, /username/],
    [{ username: 'x'.repeat(33), password: 'long-enough' }, /username/],
    [{ username: 'naïve', password: 'long-enough' }, /username/],
    [{ username: uniqueName(), password: 'short' }, /password/],
    [{ username: uniqueName() }, /password.*required/],
    [{ username: 42, password: 'long-enough' }, /username.*string/],
  ];
  for (const [data, reason] of cases) {
    const reply = await client.request('register', data);
    t.is(dataOf<ErrorData>(reply).code, 400, JSON.stringify(data));
    t.regex(dataOf<ErrorData>(reply).message, reason);
  }
});

test('login succeeds with the right password and fails with 401 otherwise', async (t) => {
  const { port, config } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  const username = uniqueName();
  await client.request('register', { username, password: 'right-password' });

  const wrong = await client.request('login', { username, password: 'wrong-password' });
  t.is(dataOf<ErrorData>(wrong).code, 401);
  const nobody = await client.request('login', { username: uniqueName('nobody'), password: 'right-password' });
  t.is(dataOf<ErrorData>(nobody).code, 401);
  t.is(dataOf<ErrorData>(nobody).message, dataOf<ErrorData>(wrong).message, 'unknown user and wrong password look the same');

  const ok = await client.request('login', { username, password: 'right-password' });
  const data = dataOf<{ username: string; nodeId: string; loginAt: number }>(ok);
  t.is(data.username, username);
  t.is(data.nodeId, config.nodeId);
  t.true(Math.abs(data.loginAt - Date.now()) < 5000);
});

test('passwords are stored as salted scrypt hashes, never in plain text', async (t) => {
  const { port, services } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  const [a, b] = [uniqueName(), uniqueName()];
  await client.request('register', { username: a, password: 'same-secret-pw' });
  await client.request('register', { username: b, password: 'same-secret-pw' });

  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  const users = await mongo.db(services.mongoDb).collection('users').find({ username: { $in: [a, b] } }).toArray();
  t.is(users.length, 2);
  const raw = JSON.stringify(users);
  t.false(raw.includes('same-secret-pw'));
  for (const user of users) t.regex(String(user.passwordHash), /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  t.not(users[0]!.passwordHash, users[1]!.passwordHash, 'each user has its own salt');
});
