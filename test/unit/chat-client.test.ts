import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import { WebSocketServer, type WebSocket } from 'ws';
import { ZkchatError } from '../../core/errors.js';
import { reconnectDelay } from '../../client/backoff.js';
import { ChatClient, ConnectionError, type ChatClientEvents, type ChatClientOptions } from '../../client/chat-client.js';
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import { parseRequest, type ValidRequest } from '../../protocol/validate.js';

const fast: ChatClientOptions = { backoff: { initialMs: 20, maxMs: 80 }, random: () => 0.5, heartbeatMs: 0 };

/** Answers one request, or returns nothing to leave it unanswered. */
type Responder = (request: ValidRequest, socket: WebSocket) => object | void;

interface FakeServer {
  url: string;
  requests: ValidRequest[];
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

/** A server on a free port that checks each frame with the real protocol parser. */
async function fakeServer(t: ExecutionContext, respond: Responder, options: { autoPong?: boolean } = {}): Promise<FakeServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: options.autoPong ?? true });
  await once(wss, 'listening');
  const requests: ValidRequest[] = [];
  const sockets = new Set<WebSocket>();
  wss.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('message', (raw) => {
      const request = parseRequest(raw.toString(), 64 * 1024);
      requests.push(request);
      const answer = respond(request, socket);
      if (answer) socket.send(JSON.stringify(answer));
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.terminate();
      wss.close(() => resolve());
    });
  t.teardown(close);
  return { url: `ws://127.0.0.1:${port}`, requests, sockets, close };
}

/** A client that is closed when the test ends, passed or failed, so nothing keeps reconnecting. */
function newClient(t: ExecutionContext, options: ChatClientOptions = {}): ChatClient {
  const client = new ChatClient({ ...fast, ...options });
  t.teardown(() => client.close());
  return client;
}

/** Replies the way a chat node does to the actions these tests use. */
const chatNode =
  (nodeId: string): Responder =>
  (request) => {
    switch (request.action) {
      case 'ping':
        return replyFrame(request.id, 'ping', { ts: 42 });
      case 'login':
        return replyFrame(request.id, 'login', { username: request.data.username, nodeId, loginAt: 1000 });
      case 'logout':
        return replyFrame(request.id, 'logout', {});
      default:
        return errorFrame(request.id, ErrorCode.BAD_REQUEST, 'not in this test');
    }
  };

const credentials = { username: 'alice', password: 'password1' };

function nextEvent<E extends keyof ChatClientEvents>(client: ChatClient, event: E): Promise<ChatClientEvents[E]> {
  // events.once() resolves with the listener's arguments, which ChatClientEvents types per event.
  return once(client, event) as Promise<ChatClientEvents[E]>;
}

test('a request resolves with the reply that names its id', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, (request) => {
    if (request.action === 'userInfo') {
      const { username } = request.data;
      // Answer the first one last, to show that answers are matched by id, not by order.
      setTimeout(() => server.sockets.forEach((s) => s.send(JSON.stringify(replyFrame(request.id, 'userInfo', { username, online: false, nodeId: null, loginAt: null, devices: 0 })))), username === 'first' ? 50 : 0);
    }
  });
  const client = newClient(t);
  await client.connect(server.url);
  const [first, second] = await Promise.all([client.request('userInfo', { username: 'first' }), client.request('userInfo', { username: 'second' })]);
  t.is(first.username, 'first');
  t.is(second.username, 'second');
  t.not(server.requests[0]!.id, server.requests[1]!.id);
});

test('an error frame rejects with a ZkchatError carrying the code and the server message', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, (request) => errorFrame(request.id, ErrorCode.NOT_FOUND, 'user "bob" is not online'));
  const client = newClient(t);
  await client.connect(server.url);
  const err = await t.throwsAsync(client.request('chat', { to: 'bob', message: 'hi' }), { instanceOf: ZkchatError });
  t.is(err?.code, ErrorCode.NOT_FOUND);
  t.is(err?.message, 'user "bob" is not online');
});

test('an error that names no request is reported as a server error and fails nothing', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, (request, socket) => {
    socket.send(JSON.stringify(errorFrame(null, ErrorCode.BAD_REQUEST, 'frame is not valid JSON')));
    return replyFrame(request.id, 'ping', { ts: 1 });
  });
  const client = newClient(t);
  await client.connect(server.url);
  const reported = nextEvent(client, 'serverError');
  t.deepEqual(await client.request('ping', {}), { ts: 1 });
  t.deepEqual(await reported, [{ code: ErrorCode.BAD_REQUEST, message: 'frame is not valid JSON' }]);
});

test('a request with no answer fails with a clear timeout', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, () => undefined);
  const client = newClient(t, { requestTimeoutMs: 100 });
  await client.connect(server.url);
  const started = Date.now();
  const err = await t.throwsAsync(client.request('ping', {}), { instanceOf: ConnectionError });
  t.regex(err?.message ?? '', /did not answer "ping" within 0.1 s/);
  t.true(Date.now() - started >= 90);
});

test('requests waiting at once are bounded', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, () => undefined);
  const client = newClient(t, { maxPendingRequests: 2, requestTimeoutMs: 5000 });
  await client.connect(server.url);
  const waiting = [client.request('ping', {}), client.request('ping', {})];
  await t.throwsAsync(client.request('ping', {}), { instanceOf: ConnectionError, message: /2 requests are already waiting/ });
  await client.close();
  for (const request of waiting) await t.throwsAsync(request, { instanceOf: ConnectionError, message: /closed/ });
  t.is(server.requests.length, 2);
});

test('requests fail fast when not connected', async (t) => {
  t.timeout(5000);
  const client = newClient(t);
  await t.throwsAsync(client.request('ping', {}), { instanceOf: ConnectionError, message: 'not connected to the server' });
  await client.close();
  await t.throwsAsync(client.request('ping', {}), { instanceOf: ConnectionError, message: 'the client was closed' });
});

test('connect rejects in words when nobody listens', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, () => undefined);
  await server.close();
  const client = newClient(t);
  await t.throwsAsync(client.connect(server.url), { instanceOf: ConnectionError, message: /^could not reach ws:\/\/127\.0\.0\.1:\d+: nothing is listening there$/ });
  await t.throwsAsync(client.connect('not a url'), { instanceOf: ConnectionError, message: /not a WebSocket address/ });
});

test('chat events are emitted with their data', async (t) => {
  t.timeout(5000);
  const event = { id: 'm1', from: 'bob', to: 'alice', message: 'hi', format: 'text' as const, ts: 5 };
  const server = await fakeServer(t, (request, socket) => {
    socket.send(JSON.stringify(eventFrame('chat', event)));
    socket.send(JSON.stringify(eventFrame('somethingNew', {})));
    return replyFrame(request.id, 'ping', { ts: 1 });
  });
  const client = newClient(t);
  await client.connect(server.url);
  const received = nextEvent(client, 'chat');
  await client.request('ping', {});
  t.deepEqual((await received)[0], event);
});

test('a close that says "do not reconnect" fails what waits and stays down', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, (_request, socket) => socket.close(CloseCode.KICKED, 'account removed'));
  const client = newClient(t);
  await client.connect(server.url);
  let reconnecting = 0;
  client.on('reconnecting', () => reconnecting++);
  const disconnected = nextEvent(client, 'disconnected');
  await t.throwsAsync(client.request('ping', {}), { instanceOf: ConnectionError, message: /closed before the server answered/ });
  t.deepEqual((await disconnected)[0], { code: CloseCode.KICKED, reason: 'account removed', willReconnect: false });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(reconnecting, 0);
  t.false(client.isReady);
});

test('after the server goes away it reconnects to the resolved URL and logs in again', async (t) => {
  t.timeout(5000);
  const first = await fakeServer(t, chatNode('node-a'));
  const second = await fakeServer(t, chatNode('node-b'));
  const client = newClient(t, { resolveUrl: async () => second.url });
  await client.connect(first.url);
  await client.request('login', credentials);

  const seen: string[] = [];
  client.on('disconnected', ({ code, willReconnect }) => seen.push(`disconnected ${code} ${willReconnect}`));
  client.on('reconnecting', ({ attempt, delayMs }) => seen.push(`reconnecting ${attempt} ${delayMs}`));
  const reconnected = nextEvent(client, 'reconnected');
  for (const socket of first.sockets) socket.close(CloseCode.GOING_AWAY, 'server shutting down');

  t.is((await reconnected)[0].login?.nodeId, 'node-b');
  t.deepEqual(seen, ['disconnected 1001 true', 'reconnecting 1 15']);
  t.deepEqual(second.requests.map((r) => r.action), ['login']);
  t.deepEqual(second.requests[0]!.data, credentials);
  t.deepEqual(await client.request('ping', {}), { ts: 42 });
});

test('while the server is unreachable the delays double up to the cap', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, chatNode('node-a'));
  const client = newClient(t);
  await client.connect(server.url);
  const delays: number[] = [];
  client.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
  await server.close();
  await new Promise((resolve) => setTimeout(resolve, 400));
  await client.close();
  // random() = 0.5 → three quarters of 20, 40, 80, 80, ...
  t.deepEqual(delays.slice(0, 4), [15, 30, 60, 60]);
});

test('a refused login after a reconnect ends the session instead of retrying', async (t) => {
  t.timeout(5000);
  let refuse = false;
  const server = await fakeServer(t, (request, socket) => {
    if (request.action === 'login' && refuse) return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'wrong username or password');
    return chatNode('node-a')(request, socket);
  });
  const client = newClient(t);
  await client.connect(server.url);
  await client.request('login', credentials);
  refuse = true;
  const lost = nextEvent(client, 'sessionLost');
  for (const socket of server.sockets) socket.terminate();
  t.deepEqual((await lost)[0], { message: 'wrong username or password' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.is(server.requests.filter((r) => r.action === 'login').length, 2);
  t.false(client.isReady);
});

test('after logout a reconnect does not log in', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, chatNode('node-a'));
  const client = newClient(t);
  await client.connect(server.url);
  await client.request('login', credentials);
  await client.request('logout', {});
  const reconnected = nextEvent(client, 'reconnected');
  for (const socket of server.sockets) socket.terminate();
  t.deepEqual((await reconnected)[0], { login: null });
  t.deepEqual(server.requests.map((r) => r.action), ['login', 'logout']);
});

test('close() stops a reconnect that is waiting', async (t) => {
  t.timeout(5000);
  const server = await fakeServer(t, chatNode('node-a'));
  let resolved = 0;
  const client = newClient(t, { backoff: { initialMs: 100, maxMs: 100 }, resolveUrl: async () => (resolved++, server.url) });
  await client.connect(server.url);
  const reconnecting = nextEvent(client, 'reconnecting');
  for (const socket of server.sockets) socket.terminate();
  await reconnecting;
  await client.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
  t.is(resolved, 0);
  t.is(server.sockets.size, 0);
});

test('a server that stops answering pings is dropped and reconnected', async (t) => {
  t.timeout(5000);
  const silent = await fakeServer(t, chatNode('node-a'), { autoPong: false });
  const alive = await fakeServer(t, chatNode('node-b'));
  const client = newClient(t, { heartbeatMs: 50, resolveUrl: async () => alive.url });
  await client.connect(silent.url);
  const [info] = await nextEvent(client, 'disconnected');
  t.is(info.code, 1006);
  t.true(info.willReconnect);
  await nextEvent(client, 'reconnected');
});

test('reconnect delays double from the initial delay, stop at the cap, and keep half of it fixed', (t) => {
  const options = { initialMs: 500, maxMs: 15_000 };
  t.deepEqual([0, 1, 2, 3, 4, 5, 6, 40].map((n) => reconnectDelay(n, options, () => 1)), [500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  t.deepEqual([0, 1, 5].map((n) => reconnectDelay(n, options, () => 0)), [250, 500, 7500]);
});
