import test from 'ava';
import { FrameError, parseRequest } from '../../protocol/validate.js';

const frame = (value: unknown) => JSON.stringify(value);

test('a valid chat request comes out typed, with optional fields only when given', (t) => {
  const request = parseRequest(frame({ v: 1, id: 'r1', action: 'chat', data: { to: 'bob', message: 'hi' } }), 1024);
  t.deepEqual(request, { v: 1, id: 'r1', action: 'chat', data: { to: 'bob', message: 'hi' } });
  const withFormat = parseRequest(frame({ v: 1, id: 'r2', action: 'chat', data: { to: 'bob', message: 'hi', format: 'text', clientMsgId: 'c' } }), 1024);
  t.deepEqual(withFormat.data, { to: 'bob', message: 'hi', format: 'text', clientMsgId: 'c' });
});

test('missing data counts as an empty object', (t) => {
  t.deepEqual(parseRequest(frame({ v: 1, id: 'p', action: 'ping' }), 1024).data, {});
});

test('size is checked in UTF-8 bytes before parsing', (t) => {
  const text = frame({ v: 1, id: 'p', action: 'ping', data: {} });
  const err = t.throws(() => parseRequest(text + ' '.repeat(10), Buffer.byteLength(text) + 9), { instanceOf: FrameError });
  t.is(err.code, 413);
  const multibyte = '"' + 'é'.repeat(10) + '"'; // 22 bytes, 12 characters
  t.is(t.throws(() => parseRequest(multibyte, 20), { instanceOf: FrameError }).code, 413);
});

test('every kind of bad frame is a 400 that names the problem and, when readable, the request id', (t) => {
  const cases: Array<[string, RegExp, string | null]> = [
    ['nope', /not valid JSON/, null],
    ['null', /JSON object/, null],
    [frame({ v: 1, action: 'ping' }), /id is required/, null],
    [frame({ v: 1, id: '', action: 'ping' }), /id must be at least 1/, null],
    [frame({ v: 1, id: 'x'.repeat(65), action: 'ping' }), /id must be at most 64/, null],
    [frame({ id: 'a', action: 'ping' }), /version/, 'a'],
    [frame({ v: 1, id: 'a', action: 7 }), /action must be a string/, 'a'],
    [frame({ v: 1, id: 'a', action: 'toString' }), /unknown action/, 'a'],
    [frame({ v: 1, id: 'a', action: 'chat', data: { to: 'bob' } }), /data\.message is required/, 'a'],
    [frame({ v: 1, id: 'a', action: 'chat', data: { to: 'bob', message: '' } }), /data\.message must be at least 1/, 'a'],
    [frame({ v: 1, id: 'a', action: 'chat', data: { to: 'bob', message: 'x'.repeat(4001) } }), /at most 4000/, 'a'],
    [frame({ v: 1, id: 'a', action: 'chat', data: { to: 'bob', message: 'x', format: 'html' } }), /format must be one of "text"/, 'a'],
    [frame({ v: 1, id: 'a', action: 'register', data: { username: 'a b c', password: '12345678' } }), /3-32 letters/, 'a'],
    [frame({ v: 1, id: 'a', action: 'register', data: { username: 'abc', password: '1234567' } }), /at least 8/, 'a'],
    [frame({ v: 1, id: 'a', action: 'ping', data: [] }), /data must be an object/, 'a'],
    ['{"v":1,"id":"a","action":"ping","data":{"__proto__":{"admin":true}}}', /__proto__ is not a known field/, 'a'],
  ];
  for (const [raw, message, replyTo] of cases) {
    const err = t.throws(() => parseRequest(raw, 1_000_000), { instanceOf: FrameError }, raw);
    t.is(err.code, 400, raw);
    t.regex(err.message, message, raw);
    t.is(err.replyTo, replyTo, raw);
  }
});

test('cluster-only actions are refused with 403, not treated as unknown', (t) => {
  for (const action of ['leaderConnect', 'syncServers', 'relay', 'relayAck', 'hello']) {
    const err = t.throws(() => parseRequest(frame({ v: 1, id: 'z', action, data: {} }), 1024), { instanceOf: FrameError });
    t.is(err.code, 403, action);
    t.is(err.replyTo, 'z');
  }
});
