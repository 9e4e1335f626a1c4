import test from 'ava';
import type { SendResult } from '../../core/net.js';
import { encodeLinkMessage, LINK_MESSAGE_SEPARATOR, parseLinkFrame, relayDelivery, relayMessage, type LinkMessage, type RelayMessage } from '../../src/cluster/link-messages.js';
import type { Delivery } from '../../src/delivery/delivery.js';
import { LocalDelivery } from '../../src/delivery/local-delivery.js';
import { LocalRooms } from '../../src/delivery/local-rooms.js';
import { LocalSessions } from '../../src/delivery/local-sessions.js';

class FakeConn {
  readonly received: { action: string; data: Record<string, unknown> }[] = [];
  /** What the socket was given, as it was given. */
  readonly texts: string[] = [];
  constructor(readonly name: string, private readonly result: SendResult = 'sent') {}
  kicked: string[] = [];
  readonly user: string | null = null;
  get id(): string {
    return this.name;
  }
  kick(reason: string): void {
    this.kicked.push(reason);
  }
  sendText(text: string): SendResult {
    if (this.result !== 'sent') return this.result;
    this.texts.push(text);
    this.received.push(JSON.parse(text) as { action: string; data: Record<string, unknown> });
    return this.result;
  }
}

function node() {
  const sessions = new LocalSessions<FakeConn>();
  const rooms = new LocalRooms<FakeConn>();
  const conns = { alicePhone: new FakeConn('alice phone'), aliceLaptop: new FakeConn('alice laptop'), bob: new FakeConn('bob'), closing: new FakeConn('carol', 'closed') };
  sessions.add('alice', conns.alicePhone);
  sessions.add('alice', conns.aliceLaptop);
  sessions.add('bob', conns.bob);
  sessions.add('carol', conns.closing);
  return { delivery: new LocalDelivery(sessions, rooms), rooms, conns };
}

const chat = { action: 'chat' as const, data: { id: 'm1', from: 'alice', to: 'bob', message: 'hi', format: 'text' as const, ts: 1 } };
const seqsOf = (conn: FakeConn) => conn.received.map((f) => f.data.seq);

test('each user gets the event with their own inbox seq, except the device it came from', (t) => {
  const { delivery, conns } = node();
  const sent = delivery.deliver({ audience: { kind: 'users', users: [{ user: 'bob', seq: 7 }, { user: 'alice', seq: 3 }] }, event: chat }, conns.alicePhone);
  t.is(sent, 2);
  t.deepEqual(seqsOf(conns.bob), [7]);
  t.deepEqual(seqsOf(conns.aliceLaptop), [3]);
  t.deepEqual(conns.alicePhone.received, []);
  t.like(conns.bob.received[0], { action: 'chat', data: { id: 'm1', message: 'hi' } });
});

test('a user audience reaches every device of that user; a closing socket does not count as delivered', (t) => {
  const { delivery, conns } = node();
  t.is(delivery.deliver({ audience: { kind: 'user', user: 'alice', seq: 5 }, event: chat }), 2);
  t.deepEqual([...seqsOf(conns.alicePhone), ...seqsOf(conns.aliceLaptop)], [5, 5]);
  t.is(delivery.deliver({ audience: { kind: 'user', user: 'carol', seq: 1 }, event: chat }), 0);
  t.is(delivery.deliver({ audience: { kind: 'user', user: 'nobody', seq: 1 }, event: chat }), 0);
});

test("a room audience reaches the room's local members, once each; leaving stops it", (t) => {
  const { delivery, rooms, conns } = node();
  rooms.join('lobby', conns.bob);
  rooms.join('lobby', conns.aliceLaptop);
  rooms.join('dev', conns.aliceLaptop);
  const toLobby: Delivery = { audience: { kind: 'room', room: 'lobby', seq: 9 }, event: chat };
  t.is(delivery.deliver(toLobby), 2);
  rooms.leaveAll(conns.aliceLaptop);
  t.is(delivery.deliver(toLobby), 1);
  t.deepEqual(seqsOf(conns.bob), [9, 9]);
  t.deepEqual(seqsOf(conns.aliceLaptop), [9]);
  t.is(rooms.connections('dev'), undefined, 'an empty room is forgotten');
});

test('an audience of all reaches every logged-in connection once', (t) => {
  const { delivery, conns } = node();
  t.is(delivery.deliver({ audience: { kind: 'all' }, event: chat }), 3);
  t.is(conns.bob.received.length + conns.alicePhone.received.length + conns.aliceLaptop.received.length, 3);
});

test('a relay from a peer is checked: a bad audience or event is not delivered, a bad line makes the frame unreadable', (t) => {
  const body = (delivery: unknown) => ({ t: 'relay' as const, id: 'r1', target: 'n2', body: JSON.stringify(delivery) });
  t.truthy(relayDelivery(body({ audience: { kind: 'room', room: 'lobby', seq: 1 }, event: chat })));
  t.is(relayDelivery(body({ audience: { kind: 'users', users: [{ user: 'bob' }] }, event: chat })), null);
  t.is(relayDelivery(body({ audience: { kind: 'everyone' }, event: chat })), null);
  t.is(relayDelivery(body({ audience: { kind: 'all' }, event: { action: 'chat', data: { id: 'x' } } })), null);
  t.is(relayDelivery({ t: 'relay', id: 'r1', target: 'n2', body: '{"audience":' }), null);
  t.is(parseLinkFrame('{"t":"ack"}'), null);
  t.is(parseLinkFrame('R\tn2'), null, 'a relay line without id and body');
  t.is(parseLinkFrame('A\tr1\n[1]'), null, 'one bad line spoils the frame');
});

test('link messages survive their encoding: relays keep their body byte for byte, other messages go as JSON', (t) => {
  const toRoom: Delivery = { audience: { kind: 'room', room: 'lobby', seq: 4 }, event: chat };
  const relay = relayMessage('e1@n2', 'n2', toRoom);
  const messages: LinkMessage[] = [relay, { t: 'ack', id: 'e1@n2' }, { t: 'load', connections: 4 }, { t: 'relay', id: 'odd\tid', target: 'n2', body: '{}' }];
  const frame = messages.map(encodeLinkMessage).join(LINK_MESSAGE_SEPARATOR);
  t.deepEqual(parseLinkFrame(frame), messages);
  t.deepEqual(relayDelivery(relay), toRoom);
});

test("a relay to one user carries the frame its devices get, and they get the same bytes as from a local delivery", (t) => {
  const toBob: Delivery = { audience: { kind: 'user', user: 'bob', seq: 3 }, event: chat };
  const [line] = parseLinkFrame(encodeLinkMessage(relayMessage('e1@n2', 'n2', toBob)))!;
  const relayed = relayDelivery(line as RelayMessage);
  t.true(relayed !== null && 'frame' in relayed, 'encoded by the origin');
  const local = node();
  const remote = node();
  t.is(local.delivery.deliver(toBob), 1);
  t.is(remote.delivery.deliverRelayed(relayed!), 1);
  t.deepEqual(remote.conns.bob.texts, local.conns.bob.texts);
  t.like(remote.conns.bob.received[0], { action: 'chat', data: { id: 'm1', seq: 3 } });
  t.is(remote.delivery.deliverRelayed({ user: 'nobody', frame: '{}' }), 0, 'a user with no device here');
  // A kick is not a frame: it goes as an event, and each device is closed.
  const kick = relayDelivery(relayMessage('k1@n2', 'n2', { audience: { kind: 'user', user: 'bob', seq: 0 }, event: { action: 'kick', data: { reason: 'bye' } } }));
  t.true(kick !== null && 'audience' in kick);
  t.is(remote.delivery.deliverRelayed(kick!), 1);
  t.deepEqual(remote.conns.bob.kicked, ['bye']);
});

test('an encoded relay body is checked for its form', (t) => {
  const relay = (body: string): RelayMessage => ({ t: 'relay', id: 'r1', target: 'n2', body });
  t.deepEqual(relayDelivery(relay('U\tbob\t{"v":1}')), { user: 'bob', frame: '{"v":1}' });
  t.is(relayDelivery(relay('U\t\t{"v":1}')), null, 'no user');
  t.is(relayDelivery(relay('U\tbob')), null, 'no frame');
  t.is(relayDelivery(relay('U\tbob\tnot json')), null, 'not a frame');
});
