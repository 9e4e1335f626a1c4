import test from 'ava';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, loggedInClient } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';
import type { ServerFrame } from '../../protocol/frames.js';

type ErrorData = { code: number; message: string };
const isError = (f: ServerFrame) => f.action === 'error';

test('malformed frames get a clear error frame and the connection keeps working', async (t) => {
  const { port } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());

  const cases: Array<[string, number, RegExp, string | null]> = [
    ['{not json', 400, /not valid JSON/, null],
    ['[1,2]', 400, /JSON object/, null],
    ['{"v":1,"action":"ping","data":{}}', 400, /id is required/, null],
    ['{"v":2,"id":"a","action":"ping","data":{}}', 400, /version/, 'a'],
    ['{"v":1,"id":"b","action":"fly","data":{}}', 400, /unknown action "fly"/, 'b'],
    ['{"v":1,"id":"c","action":"login","data":{"username":"alice"}}', 400, /password is required/, 'c'],
    ['{"v":1,"id":"d","action":"login","data":{"username":"alice","password":12345678}}', 400, /password must be a string/, 'd'],
    ['{"v":1,"id":"e","action":"ping","data":{"extra":1}}', 400, /extra is not a known field/, 'e'],
    ['{"v":1,"id":"f","action":"ping","data":"x"}', 400, /data must be an object/, 'f'],
  ];
  for (const [raw, code, message, replyTo] of cases) {
    const before = client.frames.length;
    client.sendRaw(raw);
    const frame = await client.next((f) => client.frames.indexOf(f) >= before && isError(f));
    t.is(dataOf<ErrorData>(frame).code, code, raw);
    t.regex(dataOf<ErrorData>(frame).message, message, raw);
    t.is((frame as { replyTo: string | null }).replyTo, replyTo, raw);
  }
  const alive = await client.request('ping');
  t.is(alive.action, 'ping');
});

test('a binary frame is refused with 400', async (t) => {
  const { port } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  client.sendRaw(Buffer.from([1, 2, 3]));
  const frame = await client.next(isError);
  t.is(dataOf<ErrorData>(frame).code, 400);
  t.regex(dataOf<ErrorData>(frame).message, /binary/);
});

test('requests other than register, login and ping need a login (401)', async (t) => {
  const { port } = await startTestNode(t);
  const client = await TestClient.connect(port);
  t.teardown(() => client.close());
  for (const [action, data] of [['chat', { to: 'bob', message: 'hi' }], ['userInfo', { username: 'bob' }], ['logout', {}]] as const) {
    const reply = await client.request(action, data);
    t.is(dataOf<ErrorData>(reply).code, 401, action);
    t.regex(dataOf<ErrorData>(reply).message, /log in/);
  }
});

test('cluster actions on the client port are refused with 403', async (t) => {
  const { port } = await startTestNode(t);
  const { client } = await loggedInClient(port);
  t.teardown(() => client.close());
  for (const action of ['leaderConnect', 'syncServers', 'relay']) {
    const reply = await client.request(action, {});
    t.is(dataOf<ErrorData>(reply).code, 403, action);
  }
});

test('a 65 KiB frame closes that connection with 1009 and other clients are still served', async (t) => {
  const { port } = await startTestNode(t);
  const big = await TestClient.connect(port);
  const other = await TestClient.connect(port);
  t.teardown(() => other.close());
  big.sendRaw(JSON.stringify({ v: 1, id: 'x', action: 'ping', data: { pad: 'x'.repeat(65 * 1024) } }));
  const { code } = await big.closed;
  t.is(code, 1009);
  t.is((await other.request('ping')).action, 'ping');
});

test('a flood gets 429 replies and then the connection is closed with 4002', async (t) => {
  const { port } = await startTestNode(t, { RATE_LIMIT_PER_SEC: '5', RATE_LIMIT_BURST: '5', FLOOD_ALLOWANCE: '10' });
  const flooder = await TestClient.connect(port);
  const other = await TestClient.connect(port);
  t.teardown(() => other.close());
  for (let i = 0; i < 40 && flooder.socket.readyState === flooder.socket.OPEN; i++) {
    flooder.sendRaw(JSON.stringify({ v: 1, id: `f${i}`, action: 'ping', data: {} }));
  }
  const { code } = await flooder.closed;
  t.is(code, 4002);
  const limited = flooder.frames.filter((f) => isError(f) && dataOf<ErrorData>(f).code === 429);
  t.true(limited.length > 0, 'rejected requests were answered 429 before the close');
  t.true(limited.every((f) => /^f\d+$/.test(String((f as { replyTo: unknown }).replyTo))), 'each 429 names the request it refuses');
  t.is(flooder.frames.filter((f) => f.action === 'ping').length, 5, 'the burst was served');
  t.is((await other.request('ping')).action, 'ping');
});

test('a client that does not answer pings is closed with 4000', async (t) => {
  const { port } = await startTestNode(t, { HEARTBEAT_INTERVAL_MS: '100', HEARTBEAT_TIMEOUT_MS: '200' });
  const silent = await TestClient.connect(port, { autoPong: false });
  const polite = await TestClient.connect(port);
  t.teardown(() => polite.close());
  const { code, reason } = await silent.closed;
  t.is(code, 4000);
  t.regex(reason, /heartbeat/);
  t.is((await polite.request('ping')).action, 'ping', 'a client that answers pings stays');
});
