import test from 'ava';
import { ZkchatError } from '../../core/errors.js';
import * as ui from '../../client/ui.js';
import { ErrorCode } from '../../protocol/codes.js';

// Colours depend on the terminal; the words are what is checked.
const plain = (text: string): string => text.replace(/\x1b\[[0-9;]*m/g, '');
const time = (ts: number): string => ui.formatTime(ts);

test('a sent message reads "you → bob" with its time and a tick once stored', (t) => {
  const line = plain(ui.renderSent('bob', 'hi', { id: 'm1', seq: 3, ts: 1000, online: true }, 'alice'));
  t.is(line, `${time(1000)} you → bob: hi ✓`);
});

test('a message to an offline user says when it arrives', (t) => {
  const line = plain(ui.renderSent('Bob', 'hi', { id: 'm1', seq: 3, ts: 1000, online: false }, 'alice'));
  t.is(line, `${time(1000)} you → Bob: hi ✓ (Bob is offline: delivered at their next login)`);
});

test('an own message from another device reads like a sent one; others show the sender', (t) => {
  const base = { id: 'm', format: 'text' as const, ts: 2000 };
  t.is(plain(ui.renderChat({ ...base, from: 'alice', to: 'bob', message: 'from my phone' }, 'Alice')), `${time(2000)} you → bob: from my phone ✓`);
  t.is(plain(ui.renderChat({ ...base, from: 'bob', to: 'alice', message: 'yo' }, 'alice')), `${time(2000)} bob: yo`);
});

test('lost messages are explained with their count when known', (t) => {
  t.is(plain(ui.renderGap({ reason: 'trimmed', missed: 3 })), '3 messages could not be recovered: the server no longer keeps them');
  t.is(plain(ui.renderGap({ reason: 'trimmed', missed: 1 })), '1 message could not be recovered: the server no longer keeps them');
  t.is(plain(ui.renderGap({ reason: 'reset', missed: null })), 'some messages could not be recovered: the server lost its message log');
});

test('a 404 on chat means there is no such user, not that they are offline', (t) => {
  const err = new ZkchatError(ErrorCode.NOT_FOUND, 'no user named "bobby"');
  t.is(ui.errorSentence(err, 'chat', 'bobby'), 'there is no user named bobby');
  t.is(ui.errorSentence(err, 'userInfo', 'bobby'), 'there is no user named bobby');
});
