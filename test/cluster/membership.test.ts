import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import zookeeper, { type Option } from 'node-zookeeper-client';
import { silentLogger } from '../../core/logger.js';
import { ZkMembership } from '../../src/cluster/membership.js';
import { nodeInfoOf, type NodeInfo } from '../../src/cluster/node-info.js';
import { testServices } from '../helpers/services-env.js';
import { freePort } from '../helpers/spawn.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// Real ZooKeeper (tickTime 500, minSessionTimeout 1000). Every test uses its own root.
const SESSION_MS = 2_000;
const WAIT_MS = 10_000;

const zkConnect = () => testServices().zkConnect;
const uniqueRoot = () => `/zkchat-test-${randomBytes(4).toString('hex')}`;
const info = (id: string): NodeInfo => ({ id, clientUrl: `ws://127.0.0.1/${id}/client`, clusterUrl: `ws://127.0.0.1/${id}/cluster` });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Member {
  m: ZkMembership;
  id: string;
  /** Every 'members' event, as ids. */
  membersEvents: string[][];
  /** Every 'leader' event: [leader id, isSelf]. */
  leaderEvents: [string | null, boolean][];
  expiredCount: () => number;
}

function member(t: ExecutionContext, root: string, id: string, connect = zkConnect()): Member {
  const m = new ZkMembership({ connect, root, self: info(id), sessionTimeoutMs: SESSION_MS, logger: silentLogger });
  const membersEvents: string[][] = [];
  const leaderEvents: [string | null, boolean][] = [];
  let expired = 0;
  m.on('members', (members) => membersEvents.push(members.map((n) => n.id)));
  m.on('leader', (leader, isSelf) => leaderEvents.push([leader?.id ?? null, isSelf]));
  m.on('expired', () => expired++);
  t.teardown(() => m.stop());
  return { m, id, membersEvents, leaderEvents, expiredCount: () => expired };
}

async function started(t: ExecutionContext, root: string, id: string, connect?: string): Promise<Member> {
  const x = member(t, root, id, connect);
  await x.m.start();
  return x;
}

/** Polls `condition` until true; fails with `what` after `timeoutMs`. Resolves with the time it took. */
async function waitUntil(what: string, condition: () => boolean, timeoutMs = WAIT_MS): Promise<number> {
  const startedAt = Date.now();
  while (!condition()) {
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(10);
  }
  return Date.now() - startedAt;
}

const ids = (x: Member) => x.m.members().map((n) => n.id);
const leaderId = (x: Member) => x.m.leader()?.id ?? null;
const agree = (all: Member[], memberIds: string[], leader: string) =>
  all.every((x) => JSON.stringify(ids(x)) === JSON.stringify(memberIds) && leaderId(x) === leader && x.m.isLeader() === (x.id === leader));

test('three members see the same members and the same leader: the first started', async (t) => {
  const root = uniqueRoot();
  const a = await started(t, root, 'a');
  const b = await started(t, root, 'b');
  const c = await started(t, root, 'c');
  const all = [a, b, c];
  await waitUntil('all agree', () => agree(all, ['a', 'b', 'c'], 'a'));
  t.deepEqual(
    all.map((x) => x.m.members().map(nodeInfoOf)),
    all.map(() => [info('a'), info('b'), info('c')]),
  );
  t.deepEqual(all.map((x) => x.m.leader()), [info('a'), info('a'), info('a')]);
  t.is(all.filter((x) => x.m.isLeader()).length, 1);
  t.true(a.m.isAlive('c'));
  t.false(a.m.isAlive('zz'));
  t.deepEqual(a.leaderEvents, [['a', true]]);
  t.deepEqual(c.leaderEvents, [['a', false]]);
  t.deepEqual(a.membersEvents, [['a'], ['a', 'b'], ['a', 'b', 'c']]);
  t.deepEqual(c.membersEvents, [['a', 'b', 'c']]);
});

test('when the leader stops, the second one leads; the third never sees itself as leader', async (t) => {
  const root = uniqueRoot();
  const [a, b, c] = [await started(t, root, 'a'), await started(t, root, 'b'), await started(t, root, 'c')];
  await waitUntil('all agree', () => agree([a, b, c], ['a', 'b', 'c'], 'a'));
  let eventsAfterStop = 0;
  for (const name of ['members', 'leader', 'expired'] as const) a.m.on(name, () => eventsAfterStop++);

  const stoppedAt = Date.now();
  await a.m.stop();
  const takeoverMs = await waitUntil('b leads and c knows', () => agree([b, c], ['b', 'c'], 'b'), 5_000);
  t.log(`takeover after stop(): ${Date.now() - stoppedAt} ms (${takeoverMs} ms after stop resolved)`);

  t.false(a.m.isLeader());
  t.is(eventsAfterStop, 0);
  await a.m.stop(); // idempotent
  t.deepEqual(b.leaderEvents, [['a', false], ['b', true]]);
  t.false(c.leaderEvents.some(([, isSelf]) => isSelf));
  t.deepEqual(c.leaderEvents.at(-1), ['b', false]);
});

test('a crashed leader (process killed) is replaced once its session times out', async (t) => {
  const root = uniqueRoot();
  const connect = zkConnect();
  const child = spawnMember(t, connect, root, 'a');
  await child.ready;
  const [b, c] = [await started(t, root, 'b'), await started(t, root, 'c')];
  await waitUntil('all agree', () => JSON.stringify(ids(b)) === '["a","b","c"]' && leaderId(b) === 'a' && leaderId(c) === 'a');

  const killedAt = Date.now();
  child.process.kill('SIGKILL');
  await once(child.process, 'exit');
  await sleep(300);
  t.deepEqual(ids(c), ['a', 'b', 'c'], 'a crash leaves the znodes until the session times out');

  await waitUntil('b leads', () => b.m.isLeader(), SESSION_MS * 4);
  const takeoverMs = Date.now() - killedAt;
  await waitUntil('c follows b', () => agree([b, c], ['b', 'c'], 'b'), 2_000);
  t.log(`takeover after a crash: ${takeoverMs} ms (session timeout ${SESSION_MS} ms)`);
  t.true(takeoverMs >= SESSION_MS / 2, `took over after ${takeoverMs} ms, before the session could expire`);
  t.true(takeoverMs < SESSION_MS * 2 + 1_000, `took ${takeoverMs} ms`);
  t.false(c.leaderEvents.some(([, isSelf]) => isSelf));
});

test('a node restarted after a crash replaces its own stale registration at once', async (t) => {
  const root = uniqueRoot();
  const child = spawnMember(t, zkConnect(), root, 'a');
  await child.ready;
  const b = await started(t, root, 'b');
  await waitUntil('b follows a', () => leaderId(b) === 'a' && ids(b).length === 2);
  child.process.kill('SIGKILL');
  await once(child.process, 'exit');

  // The crashed session still holds a's znodes; the new a removes them instead of waiting for the expiry.
  const restartedAt = Date.now();
  const a = await started(t, root, 'a');
  await waitUntil('b leads, a follows', () => agree([a, b], ['a', 'b'], 'b'), SESSION_MS / 2);
  t.log(`b took over ${Date.now() - restartedAt} ms after a restarted`);
  t.is(a.m.watchedPredecessor(), b.m.electionNode());
  t.deepEqual(a.leaderEvents, [['b', false]]);
});

test('each candidate watches only its predecessor (no herd effect)', async (t) => {
  const root = uniqueRoot();
  const all: Member[] = [];
  for (const id of ['m1', 'm2', 'm3', 'm4']) all.push(await started(t, root, id));
  await waitUntil('all agree', () => agree(all, ['m1', 'm2', 'm3', 'm4'], 'm1'));
  const [m1, m2, m3, m4] = all as [Member, Member, Member, Member];
  const nodes = all.map((x) => x.m.electionNode());
  t.true(nodes.every((n) => n !== null && /^n_\d{10}$/.test(n)), String(nodes));

  t.is(m1.m.watchedPredecessor(), null);
  t.is(m2.m.watchedPredecessor(), m1.m.electionNode());
  t.is(m3.m.watchedPredecessor(), m2.m.electionNode());
  t.not(m3.m.watchedPredecessor(), m1.m.electionNode());
  t.is(m4.m.watchedPredecessor(), m3.m.electionNode());

  // Remove one in the middle: only its successor moves its watch, to the predecessor it now has.
  await m2.m.stop();
  await waitUntil('m3 watches m1', () => m3.m.watchedPredecessor() === m1.m.electionNode(), 5_000);
  t.is(m4.m.watchedPredecessor(), m3.m.electionNode());
  t.true(m1.m.isLeader());
  t.false(m3.m.isLeader());
});

test('after its session expires a member registers again and the election goes on', async (t) => {
  const root = uniqueRoot();
  const proxy = await startTcpProxy(t, zkConnect());
  const all = [await started(t, root, 'a', proxy.address), await started(t, root, 'b'), await started(t, root, 'c')];
  const [a, b, c] = all as [Member, Member, Member];
  await waitUntil('all agree', () => agree(all, ['a', 'b', 'c'], 'a'));
  const oldNode = a.m.electionNode();

  const expiringAt = Date.now();
  await expireSession(a, proxy);
  await waitUntil("'expired' on a", () => a.expiredCount() === 1);
  const expiredMs = Date.now() - expiringAt;
  await waitUntil('a is back and b leads', () => agree(all, ['a', 'b', 'c'], 'b'));
  t.log(`session expired after ${expiredMs} ms; a was back and everyone agreed after ${Date.now() - expiringAt} ms`);

  t.not(a.m.electionNode(), oldNode);
  t.is(a.m.watchedPredecessor(), c.m.electionNode(), 'a queues up behind c again');
  t.deepEqual(a.leaderEvents, [['a', true], [null, false], ['b', false]]);
  t.deepEqual(b.leaderEvents, [['a', false], ['b', true]]);
  t.false(c.leaderEvents.some(([, isSelf]) => isSelf));
  t.is(b.expiredCount() + c.expiredCount(), 0);
});

test('start() rejects with the connect string when ZooKeeper is unreachable', async (t) => {
  const port = await freePort();
  const connect = `127.0.0.1:${port}`;
  const m = new ZkMembership({ connect, root: uniqueRoot(), self: info('x'), sessionTimeoutMs: 1_000, logger: silentLogger });
  t.teardown(() => m.stop());
  const startedAt = Date.now();
  const err = await t.throwsAsync(m.start());
  const elapsed = Date.now() - startedAt;
  t.true(err?.message.includes(`ZooKeeper unreachable at ${connect}`), err?.message);
  t.true(elapsed < 3_000, `rejected after ${elapsed} ms`);
  t.false(m.isLeader());
  await m.stop();
  await t.throwsAsync(m.start(), { message: /only once/ });
});

test('stop() while start() is still connecting rejects start() and leaves nothing behind', async (t) => {
  const root = uniqueRoot();
  // Same tick: the client has no socket yet.
  const early = member(t, root, 'early');
  const earlyStart = early.m.start();
  await early.m.stop();
  await t.throwsAsync(earlyStart, { message: /aborted/ });

  // ZooKeeper unreachable at first, reachable right after stop(): the abandoned client must neither
  // crash on the late handshake nor register.
  const proxy = await startTcpProxy(t, zkConnect());
  proxy.cut();
  const late = member(t, root, 'late', proxy.address);
  const lateStart = late.m.start();
  await sleep(300);
  await late.m.stop();
  proxy.heal();
  await t.throwsAsync(lateStart, { message: /aborted/ });

  await sleep(1_000); // a crash of the abandoned clients would fail the run here
  const observer = await started(t, root, 'observer');
  t.deepEqual(ids(observer), ['observer']);
  t.deepEqual([...early.membersEvents, ...late.membersEvents, ...early.leaderEvents, ...late.leaderEvents], []);
});

test('a leader cut off from a silent ZooKeeper stops leading before anyone else takes over', async (t) => {
  const root = uniqueRoot();
  const proxy = await startTcpProxy(t, zkConnect());
  const a = await started(t, root, 'a', proxy.address);
  const [b, c] = [await started(t, root, 'b'), await started(t, root, 'c')];
  const all = [a, b, c];
  await waitUntil('all agree', () => agree(all, ['a', 'b', 'c'], 'a'));

  const frozenAt = Date.now();
  proxy.freeze(); // the socket stays open but nothing gets through: no disconnect is ever reported
  const stepDownMs = await waitUntil('a stops leading', () => !a.m.isLeader(), SESSION_MS * 2);
  await waitUntil('b leads', () => b.m.isLeader(), SESSION_MS * 4);
  const takeoverMs = Date.now() - frozenAt;
  t.log(`silent ZooKeeper: old leader stepped down after ${stepDownMs} ms, new leader after ${takeoverMs} ms`);
  t.true(stepDownMs < takeoverMs);
  t.true(stepDownMs < SESSION_MS, `stepped down after ${stepDownMs} ms`);

  // After a whole session timeout without an answer, a gives the session up and registers again
  // as soon as the network lets it.
  await waitUntil("'expired' on a", () => a.expiredCount() === 1, SESSION_MS * 2);
  proxy.heal();
  await waitUntil('a is back behind b', () => agree(all, ['a', 'b', 'c'], 'b'));
  t.is(a.m.watchedPredecessor(), c.m.electionNode());
  t.is(a.expiredCount(), 1);
  t.false(c.leaderEvents.some(([, isSelf]) => isSelf));
});

// --- helpers ---------------------------------------------------------------------------------

/**
 * Expires a member's session the standard way: a second client attaches to the same session and
 * closes it. The member (behind `proxy`) is cut off meanwhile; otherwise it may win the session back
 * before the close arrives. When it reconnects, the server tells it that the session expired.
 */
async function expireSession(x: Member, proxy: TcpProxy): Promise<void> {
  const credentials = x.m.sessionCredentials();
  if (!credentials) throw new Error(`${x.id} has no session`);
  proxy.cut();
  const options: Partial<Option> & { sessionId: Buffer; sessionPassword: Buffer } = {
    sessionTimeout: SESSION_MS,
    sessionId: credentials.sessionId,
    sessionPassword: credentials.password,
  };
  const intruder = zookeeper.createClient(zkConnect(), options);
  const connected = once(intruder, 'connected');
  intruder.connect();
  await Promise.race([connected, sleep(SESSION_MS).then(() => Promise.reject(new Error('could not attach to the session')))]);
  const closed = once(intruder, 'disconnected');
  intruder.close();
  await Promise.race([closed, sleep(SESSION_MS)]);
  proxy.heal();
}

/** Runs a member in a child process, so that it can really crash. */
function spawnMember(t: ExecutionContext, connect: string, root: string, id: string) {
  const membershipUrl = new URL('../../src/cluster/membership.js', import.meta.url).href;
  const loggerUrl = new URL('../../core/logger.js', import.meta.url).href;
  const code = `
    import { ZkMembership } from ${JSON.stringify(membershipUrl)};
    import { silentLogger } from ${JSON.stringify(loggerUrl)};
    const m = new ZkMembership({ connect: ${JSON.stringify(connect)}, root: ${JSON.stringify(root)}, self: ${JSON.stringify(info(id))},
      sessionTimeoutMs: ${SESSION_MS}, logger: silentLogger });
    await m.start();
    console.log('ready');
    setInterval(() => {}, 60_000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void child.kill('SIGKILL'));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`member ${id} not ready: ${stderr}`)), WAIT_MS);
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && (clearTimeout(timer), resolve()));
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`member ${id} exited (${code}): ${stderr}`))));
  });
  return { process: child, ready };
}

