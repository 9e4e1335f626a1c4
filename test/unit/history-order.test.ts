import test from 'ava';
import { compareKeys, formatCursor, isOlder, parseCursor } from '../../src/history/history-order.js';
import { parseRecentEntries, toHistoryMessage } from '../../src/history/history-messages.js';

test('a cursor reads back as the position it was made from, ids with colons included', (t) => {
  for (const position of [{ ts: 0, id: 'a' }, { ts: 1_700_000_000_123, id: '0b6f-…:x:y' }, { ts: Number.MAX_SAFE_INTEGER, id: ' ' }]) {
    t.deepEqual(parseCursor(formatCursor(position)), position);
  }
});

test('anything else is not a cursor', (t) => {
  for (const text of ['', 'abc', '12', '12:', ':id', '-1:id', '1.5:id', '1e3:id', '99999999999999999:id', ' 1:id', '0x10:id']) {
    t.is(parseCursor(text), null, JSON.stringify(text));
  }
});

test('order is by ts, then by id as UTF-8 bytes, as MongoDB compares strings', (t) => {
  t.true(compareKeys({ ts: 1, id: 'z' }, { ts: 2, id: 'a' }) < 0);
  t.true(compareKeys({ ts: 2, id: 'a' }, { ts: 2, id: 'b' }) < 0);
  t.is(compareKeys({ ts: 2, id: 'a' }, { ts: 2, id: 'a' }), 0);
  // UTF-16 puts U+FF61 after the surrogates of U+1F600; UTF-8 (and MongoDB) the other way round.
  t.true(compareKeys({ ts: 1, id: '\u{ff61}' }, { ts: 1, id: '\u{1f600}' }) < 0);
  t.true(isOlder({ ts: 5, id: 'a' }, null), 'everything is older than the end');
  t.false(isOlder({ ts: 5, id: 'a' }, { ts: 5, id: 'a' }), 'strictly older');
});

test('recent entries and archived rows come out in the protocol shapes; anything else is skipped', (t) => {
  const chat = { id: '1', from: 'a', to: 'b', message: 'hi', format: 'text', ts: 5 };
  const room = { id: '2', room: 'lobby', from: 'a', message: 'yo', format: 'text', ts: 6 };
  t.deepEqual(toHistoryMessage({ _id: '1', conversation: 'u:a|b', ...chat }), chat);
  t.deepEqual(toHistoryMessage({ _id: '2', conversation: 'r:lobby', ...room }), room);
  t.deepEqual(parseRecentEntries([JSON.stringify(room), 'not json', '{"id":"3"}', JSON.stringify(chat)]), [room, chat]);
});
