import test from 'ava';
import type { EventData, RoomEvent, RoomInfo, ReplyData } from '../../protocol/actions.js';
import { startCluster } from '../helpers/cluster.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

type RoomChatEvent = EventData['roomChat'];
const roomChats = (client: TestClient, room?: string) =>
  client.events('roomChat').map((f) => dataOf<RoomChatEvent>(f)).filter((e) => room === undefined || e.room === room);
const codeOf = (frame: { action: string; data: unknown }) => (frame.action === 'error' ? (frame.data as { code: number }).code : 0);

test.serial('room chat across 3 nodes reaches every online member once (second devices too), with joins and leaves announced', async (t) => {
  const cluster = await startCluster(t, 3);
  const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const room = uniqueName('room').replace(/\./g, '_').slice(0, 32);
  const alice = await loggedInClient(n2.clientPort);
  const bob = await loggedInClient(n3.clientPort);
  const carol = await loggedInClient(n1.clientPort);
  const outsider = await loggedInClient(n3.clientPort);
  // bob's second device, on another node
  const bob2 = await TestClient.connect(n1.clientPort);
  t.teardown(() => [alice, bob, carol, outsider].forEach((u) => u.client.close()));
  t.teardown(() => bob2.close());
  t.is((await bob2.request('login', { username: bob.username, password: 'correct-horse' })).action, 'login');

  const created = await alice.client.request('createRoom', { name: room, title: 'A test room' });
  t.is(created.action, 'createRoom', JSON.stringify(created));
  t.like(dataOf<{ room: RoomInfo }>(created).room, { name: room, title: 'A test room', members: 1, joined: true, world: false });
  t.is(codeOf(await carol.client.request('createRoom', { name: room.toUpperCase() })), 409, 'names differing in case are one room');

  const joined = await bob.client.request('joinRoom', { room });
  t.is(joined.action, 'joinRoom', JSON.stringify(joined));
  t.like(dataOf<ReplyData['joinRoom']>(joined).room, { members: 2, joined: true });
  t.is((await bob.client.request('joinRoom', { room })).action, 'joinRoom', 'joining twice is fine');
  t.is((await carol.client.request('joinRoom', { room })).action, 'joinRoom');
  // alice sees the two joins (bob's second attempt announced nothing)
  await alice.client.next(() => alice.client.events('roomJoin').length === 2);

  // Members online: alice (n2), bob (n3 + n1), carol (n1).
  const sent = await alice.client.request('roomChat', { room, message: 'hello room', clientMsgId: 'm1' });
  t.is(sent.action, 'roomChat', JSON.stringify(sent));
  const { seq, id } = dataOf<ReplyData['roomChat']>(sent);
  for (const member of [bob.client, bob2, carol.client]) {
    const event = await member.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === id);
    t.like(dataOf<RoomChatEvent>(event), { room, from: alice.username, message: 'hello room', seq });
  }
  // A later message from bob is the proof that nothing else is on its way before it.
  const later = dataOf<ReplyData['roomChat']>(await bob.client.request('roomChat', { room, message: 'second' }));
  for (const member of [alice.client, bob2, carol.client]) await member.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === later.id);
  t.deepEqual(roomChats(carol.client, room).map((e) => e.message), ['hello room', 'second'], 'once each, in order');
  t.deepEqual(roomChats(bob2, room).map((e) => e.message), ['hello room', 'second']);
  t.deepEqual(roomChats(alice.client, room).map((e) => e.message), ['second'], "the sender's own device has the reply instead");
  t.is(later.seq, seq + 1);
  t.is(roomChats(outsider.client).length, 0);

  // A resend with the same client message id is stored once.
  t.deepEqual(dataOf<ReplyData['roomChat']>(await alice.client.request('roomChat', { room, message: 'hello room', clientMsgId: 'm1' })), dataOf<ReplyData['roomChat']>(sent));

  // Outsiders and bad names.
  t.is(codeOf(await outsider.client.request('roomChat', { room, message: 'let me in' })), 403);
  t.is(codeOf(await outsider.client.request('roomChat', { room: 'no-such-room', message: 'x' })), 404);
  t.is(codeOf(await outsider.client.request('joinRoom', { room: 'no-such-room' })), 404);
  t.is(codeOf(await outsider.client.request('joinRoom', { room: 'bad name!' })), 400);
  t.is(codeOf(await outsider.client.request('sync', { after: 0, rooms: { [room]: 0 } })), 403);

  const list = dataOf<ReplyData['rooms']>(await outsider.client.request('rooms'));
  t.like(list.rooms.find((r) => r.name === room), { members: 3, online: 3, joined: false });

  // carol leaves: the others see it, and she gets no more.
  t.is((await carol.client.request('leaveRoom', { room })).action, 'leaveRoom');
  await bob.client.next((f) => f.action === 'roomLeave');
  const third = dataOf<ReplyData['roomChat']>(await alice.client.request('roomChat', { room, message: 'third' }));
  await bob2.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === third.id);
  await carol.client.request('ping');
  t.false(roomChats(carol.client, room).some((e) => e.message === 'third'));

  // bob's sync of the room from 0 gives every event of its log, in order.
  const synced = dataOf<ReplyData['sync']>(await bob2.request('sync', { after: 0, rooms: { [room]: 0 } }));
  const events = synced.rooms![room]!.events as RoomEvent[];
  t.deepEqual(events.map((e) => e.action), ['roomJoin', 'roomJoin', 'roomChat', 'roomChat', 'roomLeave', 'roomChat']);
  t.deepEqual(events.map((e) => e.data.seq), [1, 2, 3, 4, 5, 6]);
  t.true(synced.rooms![room]!.complete);
});
