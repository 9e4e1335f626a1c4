import { request } from 'node:http';
import { createConnection } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { createLogger, silentLogger, type Logger } from '../../core/logger.js';
import { loadGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/http-server.js';
import { parseServerEntry, pickServer, type ServerEntry } from '../../src/gateway/server-list.js';
import { testServices } from '../helpers/services-env.js';
import { assertStartFails, portIsClosed, spawnNode } from '../helpers/spawn.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const STALE_MS = 5000;

/** An entry as the leader would write it, refreshed `ageMs` ago. */
function entry(id: string, role: ServerEntry['role'], connections: number, ageMs = 0, now = Date.now()): ServerEntry {
  return { id, clientUrl: `ws://${id}.test:4101`, role, connections, updatedAt: now - ageMs };
}

interface TestGateway {
  port: number;
  /** Writes entries into this test's own server hash. */
  put(...entries: ServerEntry[]): Promise<void>;
  putRaw(field: string, value: string): Promise<void>;
}

/** An in-process gateway on a free port with its own Redis prefix; stopped at teardown. */
async function startGateway(t: ExecutionContext, env: Record<string, string> = {}, logger: Logger = silentLogger): Promise<TestGateway> {
  const services = testServices();
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', REDIS_URL: services.redisUrl, REDIS_PREFIX: services.redisPrefix, ...env });
  const gateway = new Gateway(config, logger);
  t.teardown(() => gateway.stop());
  const port = await gateway.start();

  // Written straight to the shared Redis, even when the gateway goes through a relay.
  const redis = new Redis(services.redisUrl);
  const key = `${config.redisPrefix}servers`;
  t.teardown(async () => {
    await redis.del(key);
    redis.disconnect();
  });
  return {
    port,
    put: async (...entries) => {
      for (const e of entries) await redis.hset(key, e.id, JSON.stringify(e));
    },
    putRaw: async (field, value) => void (await redis.hset(key, field, value)),
  };
}

interface JsonReply {
  status: number;
  headers: Headers;
  body: unknown;
}

async function getJson(port: number, path: string, init: RequestInit = {}): Promise<JsonReply> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const noServer = { error: { code: 503, message: 'no chat server is available, try again shortly' } };

// ---------------------------------------------------------------------------------------------
// selection and validation, without I/O

test('pickServer takes the least-loaded live follower, ties going to the smallest id', (t) => {
  const now = Date.now();
  const entries = [entry('c', 'follower', 2), entry('b', 'follower', 1), entry('a', 'follower', 1), entry('l', 'leader', 0)];
  t.is(pickServer(entries, now, STALE_MS)?.id, 'a');
  t.is(pickServer(entries.slice(0, 2), now, STALE_MS)?.id, 'b');
});

test('pickServer ignores stale entries, falls back to the leader, and finds nothing when all are dead', (t) => {
  // One clock reading for entries and check alike: a millisecond passing in between must not matter.
  const now = Date.now();
  const staleFollower = entry('f', 'follower', 0, STALE_MS + 1, now);
  t.is(pickServer([staleFollower, entry('l', 'leader', 9, 0, now)], now, STALE_MS)?.id, 'l');
  t.is(pickServer([staleFollower, entry('l', 'leader', 9, STALE_MS + 1, now)], now, STALE_MS), undefined);
  t.is(pickServer([], now, STALE_MS), undefined);
  t.is(pickServer([entry('f', 'follower', 0, STALE_MS, now)], now, STALE_MS)?.id, 'f', 'exactly staleMs old is still live');
});

test('parseServerEntry accepts the contract shape and rejects everything else', (t) => {
  const good = entry('n1', 'follower', 3);
  t.deepEqual(parseServerEntry('n1', JSON.stringify(good)), { ok: true, entry: good });
  const bad: Array<[string, string]> = [
    ['n1', 'not json'],
    ['n1', '[]'],
    ['n1', 'null'],
    ['n1', JSON.stringify({ ...good, id: 'other' })],
    ['n1', JSON.stringify({ ...good, id: 7 })],
    ['n1', JSON.stringify({ ...good, clientUrl: 'nowhere' })],
    ['n1', JSON.stringify({ ...good, clientUrl: 'http://n1.test' })],
    ['n1', JSON.stringify({ ...good, role: 'boss' })],
    ['n1', JSON.stringify({ ...good, connections: -1 })],
    ['n1', JSON.stringify({ ...good, connections: '3' })],
    ['n1', JSON.stringify({ ...good, updatedAt: 'yesterday' })],
    ['n1', JSON.stringify({ id: 'n1' })],
  ];
  for (const [field, raw] of bad) t.false(parseServerEntry(field, raw).ok, raw);
});

// ---------------------------------------------------------------------------------------------
// the HTTP service against the real Redis

test('GET /server answers with the least-loaded follower as JSON', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-b', 'follower', 5), entry('node-a', 'follower', 2), entry('node-c', 'follower', 7), entry('node-l', 'leader', 0));
  const reply = await getJson(gw.port, '/server');
  t.is(reply.status, 200);
  t.is(reply.headers.get('content-type'), 'application/json; charset=utf-8');
  t.deepEqual(reply.body, { id: 'node-a', url: 'ws://node-a.test:4101' });
});

test('a burst of clients between two refreshes of the list is spread over the followers', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-a', 'follower', 0), entry('node-b', 'follower', 0), entry('node-c', 'follower', 3));
  const picks: string[] = [];
  for (let i = 0; i < 6; i++) picks.push(((await getJson(gw.port, '/server')).body as { id: string }).id);
  t.deepEqual(picks, ['node-a', 'node-b', 'node-a', 'node-b', 'node-a', 'node-b']);

  // The leader's next refresh carries the real counts; the gateway's own tally starts over.
  const refreshed = { updatedAt: Date.now() + 1 };
  await gw.put({ ...entry('node-a', 'follower', 3), ...refreshed }, { ...entry('node-b', 'follower', 3), ...refreshed }, { ...entry('node-c', 'follower', 2), ...refreshed });
  t.is(((await getJson(gw.port, '/server')).body as { id: string }).id, 'node-c');
});

test('GET /server skips stale entries and the leader while a follower is live', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-a', 'follower', 0, 60_000), entry('node-b', 'follower', 9), entry('node-l', 'leader', 0));
  t.deepEqual((await getJson(gw.port, '/server')).body, { id: 'node-b', url: 'ws://node-b.test:4101' });
});

test('GET /server falls back to the leader when no follower is live', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-a', 'follower', 0, 60_000), entry('node-l', 'leader', 4));
  t.deepEqual((await getJson(gw.port, '/server')).body, { id: 'node-l', url: 'ws://node-l.test:4101' });
});

test('GET /server is 503 with a JSON error when no server is alive', async (t) => {
  const gw = await startGateway(t);
  const empty = await getJson(gw.port, '/server');
  t.is(empty.status, 503);
  t.deepEqual(empty.body, noServer);

  await gw.put(entry('node-a', 'follower', 0, 60_000), entry('node-l', 'leader', 0, 60_000));
  const allStale = await getJson(gw.port, '/server');
  t.is(allStale.status, 503);
  t.deepEqual(allStale.body, noServer);
});

test('SERVER_STALE_MS sets when an entry counts as dead', async (t) => {
  const gw = await startGateway(t, { SERVER_STALE_MS: '100000' });
  await gw.put(entry('node-a', 'follower', 0, 60_000));
  t.is((await getJson(gw.port, '/server')).status, 200);
});

test('GET /servers lists the live entries sorted by id', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-c', 'follower', 3), entry('node-a', 'leader', 1), entry('node-b', 'follower', 2, 60_000), entry('node-d', 'follower', 0));
  const reply = await getJson(gw.port, '/servers');
  t.is(reply.status, 200);
  t.deepEqual(reply.body, {
    servers: [
      { id: 'node-a', url: 'ws://node-a.test:4101', role: 'leader', connections: 1 },
      { id: 'node-c', url: 'ws://node-c.test:4101', role: 'follower', connections: 3 },
      { id: 'node-d', url: 'ws://node-d.test:4101', role: 'follower', connections: 0 },
    ],
  });
});

test('a malformed entry in the hash is skipped and logged at debug', async (t) => {
  const lines: string[] = [];
  const gw = await startGateway(t, {}, createLogger('debug', {}, (line) => lines.push(line)));
  await gw.putRaw('node-0', '{"id":"node-0", oops');
  await gw.putRaw('node-1', JSON.stringify({ id: 'node-1', clientUrl: 'ws://node-1.test:4101', role: 'follower', connections: 'many', updatedAt: Date.now() }));
  await gw.put(entry('node-2', 'follower', 50));

  t.deepEqual((await getJson(gw.port, '/server')).body, { id: 'node-2', url: 'ws://node-2.test:4101' });
  t.deepEqual((await getJson(gw.port, '/servers')).body, { servers: [{ id: 'node-2', url: 'ws://node-2.test:4101', role: 'follower', connections: 50 }] });
  const skipped = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((l) => l.msg === 'skipping malformed server entry');
  t.true(skipped.some((l) => l.field === 'node-0' && l.level === 'debug'));
  t.true(skipped.some((l) => l.field === 'node-1' && l.level === 'debug'));
});

test('GET /healthz reports Redis up', async (t) => {
  const gw = await startGateway(t);
  const reply = await getJson(gw.port, '/healthz');
  t.is(reply.status, 200);
  t.deepEqual(reply.body, { ok: true, redis: 'up' });
});

test('unknown paths are 404, other methods 405 with allow: GET, big bodies 413, query strings are ignored', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-a', 'follower', 0));

  const missing = await getJson(gw.port, '/nope');
  t.is(missing.status, 404);
  t.is(missing.headers.get('content-type'), 'application/json; charset=utf-8');
  t.is((missing.body as { error: { code: number } }).error.code, 404);

  for (const path of ['/server', '/servers', '/healthz']) {
    const wrong = await getJson(gw.port, path, { method: 'POST', body: 'x'.repeat(100) });
    t.is(wrong.status, 405, path);
    t.is(wrong.headers.get('allow'), 'GET');
    t.is((wrong.body as { error: { code: number } }).error.code, 405);
  }
  // A body over GATEWAY_MAX_BODY_BYTES (1024) is refused before anything else.
  const big = await getJson(gw.port, '/server', { method: 'POST', body: 'x'.repeat(10_000) });
  t.is(big.status, 413);
  t.is((big.body as { error: { code: number } }).error.code, 413);

  t.deepEqual((await getJson(gw.port, '/server?x=1&y')).body, { id: 'node-a', url: 'ws://node-a.test:4101' });
  t.is((await getJson(gw.port, '/servers?')).status, 200);
});

test('odd requests get an answer and never stop the gateway', async (t) => {
  const gw = await startGateway(t);
  await gw.put(entry('node-a', 'follower', 0));

  // A GET with a body: the body is ignored.
  const withBody = await rawRequest(gw.port, 'GET', '/server', 'ignored body');
  t.is(withBody.status, 200);
  t.deepEqual(JSON.parse(withBody.body), { id: 'node-a', url: 'ws://node-a.test:4101' });

  for (const path of ['//server', '/%ff%fe', '/server/', '/constructor', '/__proto__', 'http://elsewhere/server']) {
    t.is((await rawRequest(gw.port, 'GET', path)).status, 404, path);
  }
  t.regex(await rawBytes(gw.port, 'NOT HTTP AT ALL\r\n\r\n'), /^HTTP\/1\.1 400/);

  t.is((await getJson(gw.port, '/server')).status, 200, 'still serving');
});

test('Redis going down mid-run: /server and /servers are 503 saying the list cannot be read, /healthz 503; all recover', async (t) => {
  const relay = await startTcpProxy(t, testServices().redisUrl);
  const gw = await startGateway(t, { REDIS_URL: `redis://${relay.address}` });
  await gw.put(entry('node-a', 'follower', 0));
  t.is((await getJson(gw.port, '/server')).status, 200);

  relay.cut();
  const server = await waitForStatus(gw.port, '/server', 503);
  t.is((server.body as { error: { code: number } }).error.code, 503);
  t.regex((server.body as { error: { message: string } }).error.message, /^the server list cannot be read/);
  const servers = await getJson(gw.port, '/servers');
  t.is(servers.status, 503);
  t.regex((servers.body as { error: { message: string } }).error.message, /^the server list cannot be read/);
  const health = await getJson(gw.port, '/healthz');
  t.is(health.status, 503);
  t.deepEqual(health.body, { ok: false, redis: 'down' });

  relay.heal();
  t.deepEqual((await waitForStatus(gw.port, '/server', 200)).body, { id: 'node-a', url: 'ws://node-a.test:4101' });
  t.deepEqual((await getJson(gw.port, '/healthz')).body, { ok: true, redis: 'up' });
});

// ---------------------------------------------------------------------------------------------
// the gateway as a process

function gatewayEnv(overrides: Record<string, string> = {}): Record<string, string> {
  const services = testServices();
  return { GATEWAY_PORT: '0', REDIS_URL: services.redisUrl, REDIS_PREFIX: services.redisPrefix, ...overrides };
}

test('process: logs its port, serves, and on SIGTERM frees the port and exits 0', async (t) => {
  const proc = spawnNode(t, 'dist/src/gateway/main.js', gatewayEnv());
  const { port } = (await proc.waitForLog('gateway listening')) as { port: number };
  t.true(Number.isInteger(port) && port > 0);
  t.deepEqual((await getJson(port, '/healthz')).body, { ok: true, redis: 'up' });

  proc.child.kill('SIGTERM');
  const { code } = await proc.exited;
  t.is(code, 0);
  t.true(await portIsClosed(port));
  t.regex(proc.stdout(), /"msg":"gateway stopped"/);
});

test('process: Redis unreachable at start gives one clear line on stderr and exit code 1', async (t) => {
  await assertStartFails(t, 'dist/src/gateway/main.js', gatewayEnv({ REDIS_URL: 'redis://127.0.0.1:1', CONNECT_TIMEOUT_MS: '500' }), /^zkchat gateway: cannot start: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
});

test('process: a bad setting stops start-up with a message naming it', async (t) => {
  await assertStartFails(t, 'dist/src/gateway/main.js', gatewayEnv({ GATEWAY_PORT: 'lots' }), /GATEWAY_PORT must be an integer/);
});

// ---------------------------------------------------------------------------------------------
// helpers

/** Polls until `path` answers `status` (Redis state changes are noticed asynchronously). */
async function waitForStatus(port: number, path: string, status: number, timeoutMs = 10_000): Promise<JsonReply> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const reply = await getJson(port, path);
    if (reply.status === status || Date.now() > deadline) return reply;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** HTTP through node:http, which (unlike fetch) sends a body with GET and odd paths verbatim. */
function rawRequest(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // node:http frames a GET body only when told its length.
    const headers = body === undefined ? {} : { 'content-length': Buffer.byteLength(body) };
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends raw bytes and returns whatever comes back before the server closes. */
function rawBytes(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}


