import test from 'ava';
import { InboxCursor, RecentIds } from '../../client/inbox-cursor.js';

const at = (seq: number) => new InboxCursor({ epoch: 'e1', seq });
const ev = (seq: number, id = `m${seq}`) => ({ seq, id });

test('the next seq is delivered and moves the cursor; a seq already passed is a duplicate', (t) => {
  const cursor = at(4);
  t.is(cursor.take(ev(5)), 'deliver');
  t.is(cursor.seq, 5);
  t.is(cursor.take(ev(5)), 'duplicate');
  t.is(cursor.take(ev(3)), 'duplicate');
  t.is(cursor.seq, 5);
});

test('a seq past the next one is a gap and changes nothing', (t) => {
  const cursor = at(4);
  t.is(cursor.check(7), 'gap');
  t.is(cursor.take(ev(7)), 'gap');
  t.is(cursor.seq, 4);
  // Once the gap is filled the same event is next.
  t.is(cursor.take(ev(5)), 'deliver');
  t.is(cursor.take(ev(6)), 'deliver');
  t.is(cursor.take(ev(7)), 'deliver');
  t.deepEqual(cursor.position, { epoch: 'e1', seq: 7 });
});

test('an own message ahead of events still on their way counts as processed once they arrive', (t) => {
  const cursor = at(4);
  t.true(cursor.markOwn(6, 'own6'), 'seq 5 is still missing');
  t.is(cursor.seq, 4);
  t.is(cursor.check(6), 'duplicate');
  t.is(cursor.take(ev(5)), 'deliver');
  t.is(cursor.seq, 6, 'the own seq 6 is absorbed behind 5');
  t.false(cursor.hasHole);
  t.is(cursor.take(ev(6, 'own6')), 'duplicate');
  t.is(cursor.take(ev(7)), 'deliver');
});

test('an own message right after the cursor moves it; one already passed changes nothing', (t) => {
  const cursor = at(4);
  t.false(cursor.markOwn(5, 'own5'));
  t.is(cursor.seq, 5);
  t.false(cursor.markOwn(3, 'old'));
  t.is(cursor.seq, 5);
  t.true(cursor.hasSeen('own5'));
});

test('an event delivered past a gap leaves the gap open for a later sync', (t) => {
  const cursor = at(4);
  t.is(cursor.takeOutOfOrder(ev(7)), 'deliver');
  t.is(cursor.seq, 4);
  t.true(cursor.hasHole);
  t.is(cursor.takeOutOfOrder(ev(7)), 'duplicate');
  t.is(cursor.take(ev(5)), 'deliver');
  t.is(cursor.take(ev(6)), 'deliver');
  t.is(cursor.seq, 7);
  t.false(cursor.hasHole);
});

test('skipping over a trimmed range counts only the seqs never processed', (t) => {
  const cursor = at(10);
  cursor.markOwn(15, 'own15');
  t.is(cursor.skipTo(19), 8, '11-19 is nine seqs, one of them our own message');
  t.is(cursor.seq, 19);
  t.is(cursor.skipTo(5), 0);
  t.is(cursor.seq, 19);
  // Own messages past the skip stay processed.
  cursor.markOwn(22, 'own22');
  t.is(cursor.skipTo(20), 1);
  t.is(cursor.take(ev(21)), 'deliver');
  t.is(cursor.seq, 22);
});

test('a new epoch starts seqs over but remembers message ids', (t) => {
  const cursor = at(0);
  t.is(cursor.take(ev(1, 'a')), 'deliver');
  t.is(cursor.take(ev(2, 'b')), 'deliver');
  cursor.adoptEpoch('e2');
  t.deepEqual(cursor.position, { epoch: 'e2', seq: 0 });
  t.is(cursor.take(ev(1, 'b')), 'duplicate', 'the same message under a new seq');
  t.is(cursor.seq, 1, 'but its seq is processed');
  t.is(cursor.take(ev(2, 'c')), 'deliver');
});

test('an id seen under an old epoch only is remembered once', (t) => {
  const cursor = at(0);
  t.true(cursor.rememberId('x'));
  t.false(cursor.rememberId('x'));
  t.true(cursor.hasSeen('x'));
});

test('the id memory is bounded and forgets the oldest first', (t) => {
  const ids = new RecentIds(3);
  for (const id of ['a', 'b', 'c', 'd']) t.true(ids.add(id));
  t.is(ids.size, 3);
  t.false(ids.has('a'));
  t.true(ids.has('b'));
  t.false(ids.add('d'));
  const cursor = new InboxCursor({ epoch: 'e', seq: 0 }, 2);
  for (let seq = 1; seq <= 5; seq++) cursor.take(ev(seq));
  t.false(cursor.hasSeen('m1'));
  t.true(cursor.hasSeen('m5'));
});
