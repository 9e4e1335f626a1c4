import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import type { WebSocket } from 'ws';
import { ZkchatError } from '../../core/errors.js';
import { reconnectDelay } from '../../client/backoff.js';
import { ChatClient, ConnectionError, type ChatClientEvents, type ChatClientOptions } from '../../client/chat-client.js';
import { sendChat } from '../../client/send-chat.js';
import { SYNC_LIMIT_DEFAULT, SYNC_LIMIT_MAX, type ChatEventData, type ReplyData, type RequestData } from '../../protocol/actions.js';
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import type { ValidRequest } from '../../protocol/validate.js';
import { startFakeServer } from '../helpers/fake-server.js';

const fast: ChatClientOptions = { backoff: { initialMs: 20, maxMs: 80 }, random: () => 0.5, heartbeatMs: 0 };

/** Answers one request, or returns nothing to leave it unanswered. */
type Responder = (request: ValidRequest, socket: WebSocket) => object | void;

interface FakeServer {
  url: string;
  requests: ValidRequest[];
  /** The open sockets, as they are now. */
  readonly sockets: Set<WebSocket>;
  close(): Promise<void>;
}

/** A server on a free port that checks each frame with the real protocol parser. */
async function fakeServer(t: ExecutionContext, respond: Responder, options: { autoPong?: boolean } = {}): Promise<FakeServer> {
  const requests: ValidRequest[] = [];
  const server = await startFakeServer(t, {
    accept: (socket) => ({ socket }),
    answer: ({ socket }, request) => {
      requests.push(request);
      return respond(request, socket);
    },
    autoPong: options.autoPong,
  });
  return {
    url: server.url,
    requests,
    get sockets() {
      return new Set([...server.connections].map((conn) => conn.socket));
    },
    close: server.close,
  };
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
        return replyFrame(request.id, 'login', { username: request.data.username, nodeId, loginAt: 1000, inbox: { epoch: 'e1', head: 0 } });
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
  const server = await fakeServer(t, (request) => errorFrame(request.id, ErrorCode.NOT_FOUND, 'no user named "bob"'));
  const client = newClient(t);
  await client.connect(server.url);
  const err = await t.throwsAsync(client.request('chat', { to: 'bob', message: 'hi' }), { instanceOf: ZkchatError });
  t.is(err?.code, ErrorCode.NOT_FOUND);
  t.is(err?.message, 'no user named "bob"');
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
  const event = { seq: 1, id: 'm1', from: 'bob', to: 'alice', message: 'hi', format: 'text' as const, ts: 5 };
  const server = await fakeServer(t, (request, socket) => {
    if (request.action !== 'ping') return chatNode('node-a')(request, socket);
    socket.send(JSON.stringify(eventFrame('chat', event)));
    socket.send(JSON.stringify(eventFrame('somethingNew', {})));
    return replyFrame(request.id, 'ping', { ts: 1 });
  });
  const client = newClient(t);
  await client.connect(server.url);
  await client.request('login', credentials);
  const received = nextEvent(client, 'chat');
  await client.request('ping', {});
  t.deepEqual(await received, [event, { source: 'live' }]);
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
  const fourAttempts = new Promise<void>((resolve) =>
    client.on('reconnecting', ({ delayMs }) => {
      if (delays.push(delayMs) === 4) resolve();
    }),
  );
  await server.close();
  await fourAttempts;
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

// Inbox catch-up ----------------------------------------------------------------

/** Alice's inbox as the server keeps it, answering `sync` the way the protocol says. */
class FakeInbox {
  epoch = 'e1';
  head = 0;
  events: ChatEventData[] = [];
  /** Most events one sync reply carries, whatever the limit asked for. */
  pageMax = SYNC_LIMIT_MAX;
  /** Sync requests answered with 503 before the others are answered. */
  failSyncs = 0;
  /** While set, sync replies wait for it. */
  gate: Promise<void> | null = null;
  readonly syncs: RequestData<'sync'>[] = [];
  inFlight = 0;
  maxInFlight = 0;
  recipientOnline = true;
  #nextId = 0;

  /** Stores a message in the inbox (without pushing it anywhere) and returns it. */
  add(from: string, message: string, to = 'alice'): ChatEventData {
    const event: ChatEventData = { seq: ++this.head, id: `msg-${++this.#nextId}`, from, to, message, format: 'text', ts: 1000 + this.head };
    this.events.push(event);
    return event;
  }

  /** Forgets every event before `seq`, as the server's trimming by count or age does. */
  trimBefore(seq: number): void {
    this.events = this.events.filter((event) => event.seq >= seq);
  }

  /** The log is lost and starts over under a new epoch. */
  reset(epoch: string): void {
    this.epoch = epoch;
    this.head = 0;
    this.events = [];
  }

  answerSync(data: RequestData<'sync'>): ReplyData['sync'] {
    const oldest = this.events[0]?.seq ?? this.head + 1;
    if (data.epoch !== undefined && data.epoch !== this.epoch) return { events: [], complete: false, head: this.head, epoch: this.epoch };
    const limit = Math.min(data.limit ?? SYNC_LIMIT_DEFAULT, this.pageMax);
    const events = this.events.filter((event) => event.seq > data.after).slice(0, limit);
    return { events: events.map((event) => ({ action: 'chat', data: event })), complete: oldest <= data.after + 1, head: this.head, epoch: this.epoch };
  }
}

const syncNode =
  (inbox: FakeInbox): Responder =>
  (request, socket) => {
    switch (request.action) {
      case 'login':
        return replyFrame(request.id, 'login', { username: request.data.username, nodeId: 'node-a', loginAt: 1000, inbox: { epoch: inbox.epoch, head: inbox.head } });
      case 'chat': {
        // The sender's own copy goes into the sender's inbox; this device gets only the reply.
        const own = inbox.add('alice', request.data.message, request.data.to.toLowerCase());
        return replyFrame(request.id, 'chat', { id: own.id, seq: own.seq, ts: own.ts, online: inbox.recipientOnline });
      }
      case 'sync': {
        const data = request.data;
        inbox.syncs.push(data);
        inbox.inFlight++;
        inbox.maxInFlight = Math.max(inbox.maxInFlight, inbox.inFlight);
        void (async () => {
          await inbox.gate;
          inbox.inFlight--;
          if (data.after > inbox.head && data.epoch === inbox.epoch) socket.send(JSON.stringify(errorFrame(request.id, ErrorCode.BAD_REQUEST, 'after is ahead of the head')));
          else if (inbox.failSyncs > 0 && inbox.failSyncs--) socket.send(JSON.stringify(errorFrame(request.id, ErrorCode.UNAVAILABLE, 'inbox store unavailable')));
          else socket.send(JSON.stringify(replyFrame(request.id, 'sync', inbox.answerSync(data))));
        })();
        return undefined;
      }
      default:
        return chatNode('node-a')(request, socket);
    }
  };

/** Pushes events live, as a node does when they are stored. */
function push(server: FakeServer, ...events: ChatEventData[]): void {
  for (const event of events) for (const socket of server.sockets) socket.send(JSON.stringify(eventFrame('chat', event)));
}

/** What the person would see, in order: each emitted message, and each notice of lost ones. */
class Timeline {
  readonly lines: string[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];

  constructor(client: ChatClient) {
    client.on('chat', (event, { source }) => this.#add(`${source} ${event.seq} ${event.from}: ${event.message}`));
    client.on('gap', ({ reason, missed }) => this.#add(`gap ${reason} ${missed ?? '?'}`));
    client.on('syncFailed', () => this.#add('sync failed'));
  }

  /** Resolves once `count` lines are there. */
  until(count: number): Promise<void> {
    if (this.lines.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  #add(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => (this.lines.length >= w.count ? (w.resolve(), false) : true));
  }
}

/** A client logged in as alice on `server`, with its first catch-up done. */
async function loggedIn(t: ExecutionContext, server: FakeServer, options: ChatClientOptions = {}): Promise<{ client: ChatClient; timeline: Timeline }> {
  const client = newClient(t, { resolveUrl: async () => server.url, ...options });
  const timeline = new Timeline(client);
  await client.connect(server.url);
  const synced = nextEvent(client, 'synced');
  await client.request('login', credentials);
  await synced;
  return { client, timeline };
}

/**
 * Pushes one more event and waits for it: everything the client was going to emit before it
 * is in the timeline then, so the test can check that nothing more (no duplicate) came.
 */
async function sentinel(server: FakeServer, inbox: FakeInbox, timeline: Timeline): Promise<string> {
  const event = inbox.add('bob', 'last');
  push(server, event);
  await timeline.until(timeline.lines.length + 1);
  return `live ${event.seq} bob: last`;
}

function openGate(inbox: FakeInbox): () => void {
  let open!: () => void;
  inbox.gate = new Promise((resolve) => (open = resolve));
  return () => {
    inbox.gate = null;
    open();
  };
}

test('the first login starts at the head and shows no old history by default', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  inbox.add('bob', 'old one');
  inbox.add('bob', 'old two');
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server);
  t.deepEqual(client.inboxPosition, { epoch: 'e1', seq: 2 });
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, [last]);
  t.deepEqual(inbox.syncs, [], 'nothing to fetch: no sync request');
});

test('the first login shows the newest events of the inbox as backlog, once, in order', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  for (const text of ['a', 'b', 'c', 'd', 'e']) inbox.add('bob', text);
  const server = await fakeServer(t, syncNode(inbox));
  const { timeline } = await loggedIn(t, server, { backlog: 3 });
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['backlog 3 bob: c', 'backlog 4 bob: d', 'backlog 5 bob: e', last]);
  t.deepEqual(inbox.syncs.map((s) => s.after), [2]);
});

test('a gap in live events is filled by a sync: every event once, in seq order', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  inbox.add('bob', 'seen before');
  const server = await fakeServer(t, syncNode(inbox));
  const { timeline } = await loggedIn(t, server);
  const one = inbox.add('bob', 'one');
  push(server, one);
  await timeline.until(1);
  // Two events are stored but their pushes get lost; the third arrives.
  inbox.add('carol', 'two');
  inbox.add('bob', 'three');
  push(server, inbox.add('carol', 'four'));
  await timeline.until(4);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['live 2 bob: one', 'sync 3 carol: two', 'sync 4 bob: three', 'sync 5 carol: four', last]);
  t.deepEqual(inbox.syncs, [{ after: 2, epoch: 'e1', limit: SYNC_LIMIT_DEFAULT }]);
});

test('a live event repeated, and events both live and in a sync, are emitted once', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  const server = await fakeServer(t, syncNode(inbox));
  const { timeline } = await loggedIn(t, server);
  const one = inbox.add('bob', 'one');
  push(server, one, one);
  const release = openGate(inbox);
  const two = inbox.add('bob', 'two');
  const three = inbox.add('bob', 'three');
  const four = inbox.add('bob', 'four');
  // 3 arrives before 2: a sync starts and is held by the server; meanwhile 2, 4 and 3 again arrive live.
  push(server, three);
  await until(() => inbox.syncs.length === 1);
  push(server, two, four, three);
  // A ping answered proves the pushes before it arrived while the sync was still waiting.
  await roundTrip(server);
  release();
  await timeline.until(4);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['live 1 bob: one', 'sync 2 bob: two', 'sync 3 bob: three', 'sync 4 bob: four', last]);
  t.is(inbox.syncs.length, 1);
  t.is(inbox.maxInFlight, 1);
});

test('after a reconnect the client logs in again and gets what it missed while away, once', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  let pushOnLogin: ChatEventData | null = null;
  const server = await fakeServer(t, (request, socket) => {
    const answer = syncNode(inbox)(request, socket);
    if (request.action === 'login' && pushOnLogin) {
      // The server pushes the newest one right after the login, while the client catches up.
      socket.send(JSON.stringify(answer));
      socket.send(JSON.stringify(eventFrame('chat', pushOnLogin)));
      return undefined;
    }
    return answer;
  });
  const { client, timeline } = await loggedIn(t, server);
  push(server, inbox.add('bob', 'before'));
  await timeline.until(1);

  const reconnected = nextEvent(client, 'reconnected');
  for (const socket of server.sockets) socket.terminate();
  inbox.add('bob', 'while away 1');
  inbox.add('carol', 'while away 2');
  pushOnLogin = inbox.add('bob', 'while away 3');
  t.is((await reconnected)[0].login?.username, 'alice');
  await timeline.until(4);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['live 1 bob: before', 'sync 2 bob: while away 1', 'sync 3 carol: while away 2', 'sync 4 bob: while away 3', last]);
  t.deepEqual(server.requests.slice(1).map((r) => r.action), ['login', 'sync'], 'no sync before the login');
  t.deepEqual(inbox.syncs.map((s) => s.after), [1]);
});

test('a lost log (complete: false, new epoch) is reported and the client goes on in the new epoch', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  inbox.add('bob', 'old');
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server);
  t.deepEqual(client.inboxPosition, { epoch: 'e1', seq: 1 });
  // The server's store restarts empty; new messages arrive, the push of the first two is lost.
  inbox.reset('e2');
  inbox.add('carol', 'new one');
  inbox.add('bob', 'new two');
  push(server, inbox.add('bob', 'new three'));
  await timeline.until(4);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['gap reset ?', 'sync 1 carol: new one', 'sync 2 bob: new two', 'sync 3 bob: new three', last]);
  t.deepEqual(
    inbox.syncs.map(({ after, epoch }) => ({ after, epoch })),
    [
      { after: 1, epoch: 'e1' },
      { after: 0, epoch: 'e2' },
    ],
  );
  t.deepEqual(client.inboxPosition, { epoch: 'e2', seq: 4 });
});

test('a login that reports another epoch is reported as a lost log and read from its start', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server);
  push(server, inbox.add('bob', 'before'), inbox.add('bob', 'before 2'));
  await timeline.until(2);
  const reconnected = nextEvent(client, 'reconnected');
  for (const socket of server.sockets) socket.terminate();
  inbox.reset('e2');
  inbox.add('carol', 'after the loss');
  await reconnected;
  await timeline.until(4);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['live 1 bob: before', 'live 2 bob: before 2', 'gap reset ?', 'sync 1 carol: after the loss', last]);
  t.deepEqual(inbox.syncs, [{ after: 0, epoch: 'e2', limit: SYNC_LIMIT_DEFAULT }]);
});

test('a log trimmed past the cursor reports how many messages are lost and shows the rest', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server);
  push(server, inbox.add('bob', 'one'));
  await timeline.until(1);
  const reconnected = nextEvent(client, 'reconnected');
  for (const socket of server.sockets) socket.terminate();
  for (const text of ['two', 'three', 'four', 'five', 'six']) inbox.add('bob', text);
  inbox.trimBefore(5);
  await reconnected;
  await timeline.until(4);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['live 1 bob: one', 'gap trimmed 3', 'sync 5 bob: five', 'sync 6 bob: six', last]);
  t.deepEqual(inbox.syncs.map((s) => s.after), [1, 0]);
});

test('the own message from a chat reply is not emitted when a sync returns it', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  inbox.recipientOnline = false;
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server);
  // Bob's message is stored at 1 but its push is still on the way when our own lands at 2.
  inbox.add('bob', 'from bob');
  const synced = nextEvent(client, 'synced');
  const sent = await sendChat(client, 'Bob', 'from me');
  t.deepEqual(sent, { id: 'msg-2', seq: 2, ts: 1002, online: false, alreadyShown: false });
  t.like((await synced)[0], { seq: 2, delivered: 1 });
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['sync 1 bob: from bob', last]);
  t.deepEqual(inbox.syncs.map((s) => s.after), [0]);
  t.like(server.requests.find((r) => r.action === 'chat')?.data, { to: 'Bob', message: 'from me' });
});

test('own messages sent from another device arrive as chat events', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  const server = await fakeServer(t, syncNode(inbox));
  const { timeline } = await loggedIn(t, server);
  push(server, inbox.add('alice', 'from my phone', 'bob'));
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['live 1 alice: from my phone', last]);
});

test('a sync pages on while its replies end before the head', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  inbox.pageMax = 2;
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server);
  const reconnected = nextEvent(client, 'reconnected');
  for (const socket of server.sockets) socket.terminate();
  for (const text of ['a', 'b', 'c', 'd', 'e']) inbox.add('bob', text);
  await reconnected;
  await timeline.until(5);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['sync 1 bob: a', 'sync 2 bob: b', 'sync 3 bob: c', 'sync 4 bob: d', 'sync 5 bob: e', last]);
  t.deepEqual(inbox.syncs.map((s) => s.after), [0, 2, 4]);
  t.is(inbox.maxInFlight, 1);
});

test('a failing sync is retried, and the events come once when it works', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  const server = await fakeServer(t, syncNode(inbox));
  const { timeline } = await loggedIn(t, server);
  inbox.failSyncs = 2;
  inbox.add('bob', 'one');
  push(server, inbox.add('bob', 'two'));
  await timeline.until(2);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['sync 1 bob: one', 'sync 2 bob: two', last]);
  t.deepEqual(inbox.syncs.map((s) => s.after), [0, 0, 0]);
});

test('a sync that keeps failing gives up after its tries and shows what it held back', async (t) => {
  t.timeout(5000);
  const inbox = new FakeInbox();
  const server = await fakeServer(t, syncNode(inbox));
  const { client, timeline } = await loggedIn(t, server, { syncAttempts: 3 });
  inbox.failSyncs = 100;
  inbox.add('bob', 'lost push');
  const failed = nextEvent(client, 'syncFailed');
  push(server, inbox.add('bob', 'arrived'));
  t.deepEqual((await failed)[0], { message: 'inbox store unavailable' });
  await timeline.until(2);
  t.deepEqual(timeline.lines, ['sync failed', 'live 2 bob: arrived']);
  t.is(inbox.syncs.length, 3);
  // The next catch-up (here: a reconnect) fetches what is still missing, and only that.
  inbox.failSyncs = 0;
  for (const socket of server.sockets) socket.terminate();
  await timeline.until(3);
  const last = await sentinel(server, inbox, timeline);
  t.deepEqual(timeline.lines, ['sync failed', 'live 2 bob: arrived', 'sync 1 bob: lost push', last]);
});

/** Resolves once `condition` holds, checking on each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** A round trip through every socket of the server, from the server's side. */
async function roundTrip(server: FakeServer): Promise<void> {
  await Promise.all([...server.sockets].map((socket) => new Promise<void>((resolve) => {
    socket.once('pong', () => resolve());
    socket.ping();
  })));
}
