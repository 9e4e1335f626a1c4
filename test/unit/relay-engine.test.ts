import test from 'ava';
import { silentLogger } from '../../core/logger.js';
import type { ChatEventData } from '../../protocol/actions.js';
import type { LinkMessage } from '../../src/cluster/link-messages.js';
import { RelayEngine, type LinkSender } from '../../src/cluster/relay-engine.js';

/**
 * Three relay engines wired by in-process links that deliver on a later turn, like sockets:
 * leader L, followers A and B. Links can be cut (messages on a cut link are lost).
 */
function network(options: { timeoutMs?: number } = {}) {
  const alive = new Set(['L', 'A', 'B']);
  const cut = new Set<string>();
  let leader = 'L';
  const delivered: Record<string, ChatEventData[]> = { L: [], A: [], B: [] };
  const online: Record<string, boolean> = { L: true, A: true, B: true };
  const engines = new Map<string, RelayEngine>();
  const linkKey = (a: string, b: string) => [a, b].sort().join('-');
  const link = (from: string, to: string): LinkSender | undefined => {
    // Star topology: only the leader has links to the others.
    if (from !== leader && to !== leader) return undefined;
    if (!alive.has(to) || cut.has(linkKey(from, to))) return undefined;
    return {
      send: (message: LinkMessage) => {
        setImmediate(() => !cut.has(linkKey(from, to)) && alive.has(to) && engines.get(to)!.onMessages(from, [message]));
        return true;
      },
    };
  };
  for (const self of ['L', 'A', 'B']) {
    engines.set(
      self,
      new RelayEngine(
        { selfId: self, isLeader: () => leader === self, leaderId: () => leader, isAlive: (id) => alive.has(id), link: (peer) => link(self, peer) },
        (event) => (online[self] ? (delivered[self]!.push(event), true) : false),
        { maxPending: 100, timeoutMs: options.timeoutMs ?? 2000, dedupeSize: 1000 },
        silentLogger,
      ),
    );
  }
  return {
    engine: (id: string) => engines.get(id)!,
    delivered,
    online,
    cut: (a: string, b: string) => cut.add(linkKey(a, b)),
    heal: (a: string, b: string) => cut.delete(linkKey(a, b)),
    kill: (id: string) => alive.delete(id),
    setLeader: (id: string) => (leader = id),
  };
}

const event = (id: string, to = 'bob'): ChatEventData => ({ id, from: 'alice', to, message: id, format: 'text', ts: 1 });

test('a relay goes follower → leader → follower and its ack comes back the same way', async (t) => {
  const net = network();
  t.is(await net.engine('A').send('B', event('m1')), 'delivered');
  t.deepEqual(net.delivered.B!.map((e) => e.id), ['m1']);
  t.is(net.engine('L').forwardedCount, 0, 'the leader forgets a relay once acked');
  t.is(net.engine('A').pendingCount, 0);
});

test('a target without the user answers offline', async (t) => {
  const net = network();
  net.online.B = false;
  t.is(await net.engine('A').send('B', event('m1')), 'offline');
});

test('an unacked relay is resent on a new path, and the target delivers it once', async (t) => {
  const net = network();
  net.cut('L', 'B'); // the leader forwards into a dead link: the message is lost on the way
  const outcome = net.engine('A').send('B', event('m1'));
  await new Promise((resolve) => setImmediate(resolve));
  net.heal('L', 'B');
  net.engine('L').resendAll(); // the leader re-links B and resends what it holds
  net.engine('A').resendAll(); // and the origin resends too, as it does on any new path
  t.is(await outcome, 'delivered');
  await new Promise((resolve) => setTimeout(resolve, 10));
  t.deepEqual(net.delivered.B!.map((e) => e.id), ['m1'], 'delivered exactly once');
});

test('when the leader dies, the origin resends to the new leader', async (t) => {
  const net = network();
  net.cut('L', 'B');
  const outcome = net.engine('A').send('B', event('m1'));
  await new Promise((resolve) => setImmediate(resolve));
  net.kill('L');
  net.setLeader('A'); // A now leads and links B directly
  net.engine('A').resendAll();
  t.is(await outcome, 'delivered');
  t.deepEqual(net.delivered.B!.map((e) => e.id), ['m1']);
});

test('relays to a node that left resolve offline, and an unanswered one times out', async (t) => {
  const net = network({ timeoutMs: 50 });
  net.cut('L', 'B');
  const gone = net.engine('A').send('B', event('m1'));
  net.engine('A').nodeGone('B');
  t.is(await gone, 'offline');
  t.is(await net.engine('A').send('B', event('m2')), 'timeout');
  t.is(net.engine('A').pendingCount, 0);
});

test('the leader drops relay entries the target never answered', async (t) => {
  const net = network({ timeoutMs: 50 });
  net.cut('L', 'B');
  await net.engine('A').send('B', event('m1'));
  t.is(net.engine('L').forwardedCount, 1);
  net.engine('L').sweep(Date.now() + 1000);
  t.is(net.engine('L').forwardedCount, 0);
});
