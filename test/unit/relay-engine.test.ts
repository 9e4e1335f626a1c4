import test from 'ava';
import { silentLogger } from '../../core/logger.js';
import type { Delivery, RelayedDelivery } from '../../src/delivery/delivery.js';
import type { LinkMessage } from '../../src/cluster/link-messages.js';
import { RelayEngine, type LinkSender } from '../../src/cluster/relay-engine.js';

/** The id of the chat a relay brought (a relay to one user carries its frame encoded). */
function chatIdOf(relayed: RelayedDelivery): string {
  if ('frame' in relayed) return (JSON.parse(relayed.frame) as { data: { id: string } }).data.id;
  return relayed.event.action === 'chat' ? relayed.event.data.id : '';
}

/**
 * Three relay engines wired by in-process links that deliver on a later turn, like sockets:
 * leader L, followers A and B. Links can be cut (messages on a cut link are lost).
 */
function network(options: { timeoutMs?: number; maxPending?: number } = {}) {
  const alive = new Set(['L', 'A', 'B']);
  const cut = new Set<string>();
  let leader = 'L';
  const delivered: Record<string, string[]> = { L: [], A: [], B: [] };
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
        (relayed) => void delivered[self]!.push(chatIdOf(relayed)),
        { maxPending: options.maxPending ?? 100, timeoutMs: options.timeoutMs ?? 2000, dedupeSize: 1000 },
        silentLogger,
      ),
    );
  }
  return {
    engine: (id: string) => engines.get(id)!,
    delivered,
    cut: (a: string, b: string) => cut.add(linkKey(a, b)),
    heal: (a: string, b: string) => cut.delete(linkKey(a, b)),
    kill: (id: string) => alive.delete(id),
    setLeader: (id: string) => (leader = id),
  };
}

const delivery = (id: string): Delivery => ({
  audience: { kind: 'user', user: 'bob', seq: 1 },
  event: { action: 'chat', data: { id, from: 'alice', to: 'bob', message: id, format: 'text', ts: 1 } },
});

/** Lets every in-flight link message (and the messages they cause) arrive. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('a relay goes follower → leader → follower and its ack comes back the same way', async (t) => {
  const net = network();
  t.true(net.engine('A').send('B', 'm1', delivery('m1')));
  await settle();
  t.deepEqual(net.delivered.B, ['m1']);
  t.is(net.engine('L').forwardedCount, 0, 'the leader forgets a relay once acked');
  t.is(net.engine('A').pendingCount, 0, 'the origin forgets it once acked');
});

test('the same relay id sent twice while pending is one entry and one delivery', async (t) => {
  const net = network();
  net.cut('L', 'B');
  net.engine('A').send('B', 'm1', delivery('m1'));
  net.engine('A').send('B', 'm1', delivery('m1'));
  t.is(net.engine('A').pendingCount, 1);
  await settle();
  net.heal('L', 'B');
  net.engine('L').resendAll();
  await settle();
  t.deepEqual(net.delivered.B, ['m1']);
  t.is(net.engine('A').pendingCount, 0);
});

test('an unacked relay is resent on a new path, and the target delivers it once', async (t) => {
  const net = network();
  net.cut('L', 'B'); // the leader forwards into a dead link: the message is lost on the way
  net.engine('A').send('B', 'm1', delivery('m1'));
  await settle();
  net.heal('L', 'B');
  net.engine('L').resendAll(); // the leader re-links B and resends what it holds
  net.engine('A').resendAll(); // and the origin resends too, as it does on any new path
  await settle();
  t.deepEqual(net.delivered.B, ['m1'], 'delivered exactly once');
  t.is(net.engine('A').pendingCount, 0);
});

test('when the leader dies, the origin resends to the new leader', async (t) => {
  const net = network();
  net.cut('L', 'B');
  net.engine('A').send('B', 'm1', delivery('m1'));
  await settle();
  net.kill('L');
  net.setLeader('A'); // A now leads and links B directly
  net.engine('A').resendAll();
  await settle();
  t.deepEqual(net.delivered.B, ['m1']);
  t.is(net.engine('A').pendingCount, 0);
});

test('relays to a node that left are dropped, and an unanswered one is given up after the timeout', async (t) => {
  const net = network({ timeoutMs: 50 });
  net.cut('L', 'B');
  net.engine('A').send('B', 'm1', delivery('m1'));
  net.engine('A').nodeGone('B');
  t.is(net.engine('A').pendingCount, 0);
  net.engine('A').send('B', 'm2', delivery('m2'));
  net.engine('A').sweep(Date.now() + 10);
  t.is(net.engine('A').pendingCount, 1, 'kept while younger than the timeout');
  net.engine('A').sweep(Date.now() + 1000);
  t.is(net.engine('A').pendingCount, 0);
});

test('a full pending table refuses new relays instead of growing', (t) => {
  const net = network({ maxPending: 2 });
  net.cut('L', 'B');
  t.true(net.engine('A').send('B', 'm1', delivery('m1')));
  t.true(net.engine('A').send('B', 'm2', delivery('m2')));
  t.false(net.engine('A').send('B', 'm3', delivery('m3')));
  t.is(net.engine('A').pendingCount, 2);
});

test('the leader drops relay entries the target never answered', async (t) => {
  const net = network({ timeoutMs: 50 });
  net.cut('L', 'B');
  net.engine('A').send('B', 'm1', delivery('m1'));
  await settle();
  t.is(net.engine('L').forwardedCount, 1);
  net.engine('L').sweep(Date.now() + 1000);
  t.is(net.engine('L').forwardedCount, 0);
});
