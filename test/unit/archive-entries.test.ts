import test from 'ava';
import { archiveRows } from '../../src/archive/archive-entries.js';

const chat = { id: 'c1', from: 'Alice', to: 'Bob', message: 'hi', format: 'text', ts: 10 };
const room = { id: 'r1', room: 'lobby', from: 'Alice', message: 'hello all', format: 'text', ts: 11 };
const entry = (id: string, conversation: string, data: unknown): [string, string[]] => [id, ['c', conversation, 'd', JSON.stringify(data)]];

test('private rows keep their shape; room rows carry the room instead of a recipient', (t) => {
  const batch = archiveRows([entry('1-0', 'u:alice|bob', chat), entry('2-0', 'r:lobby', room)]);
  t.deepEqual(batch.ids, ['1-0', '2-0']);
  t.deepEqual(batch.unreadable, []);
  t.deepEqual(batch.rows, [
    { _id: 'c1', conversation: 'u:alice|bob', id: 'c1', from: 'Alice', to: 'Bob', message: 'hi', format: 'text', ts: 10 },
    { _id: 'r1', conversation: 'r:lobby', id: 'r1', room: 'lobby', from: 'Alice', message: 'hello all', format: 'text', ts: 11 },
  ]);
});

test('entries that are no message of their conversation are acknowledged but give no row', (t) => {
  const batch = archiveRows([
    entry('1-0', 'r:lobby', chat), // a private message under a room conversation
    entry('2-0', 'u:alice|bob', room),
    ['3-0', ['c', 'u:alice|bob', 'd', '{not json']],
    ['4-0', ['d', JSON.stringify(chat)]], // no conversation
    ['5-0', null], // deleted meanwhile
    entry('6-0', 'u:alice|bob', chat),
  ]);
  t.deepEqual(batch.ids, ['1-0', '2-0', '3-0', '4-0', '5-0', '6-0']);
  t.deepEqual(batch.unreadable, ['1-0', '2-0', '3-0', '4-0']);
  t.deepEqual(batch.rows.map((r) => r._id), ['c1']);
});
