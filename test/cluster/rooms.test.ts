import test from 'ava';
import { writeUsersAndRooms } from '../helpers/cheap-users.js';
import { freePort } from '../helpers/spawn.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { ClientFrameReader, TEXT_FRAME } from '../helpers/ws-frame-tap.js';
import type { EventData, RoomEvent, RoomInfo, ReplyData } from '../../protocol/actions.js';
import { eventually, startCluster } from '../helpers/cluster.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';
import { parseLinkFrame, relayDelivery, type LinkMessage } from '../../src/cluster/link-messages.js';

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

test.serial('rooms and memberships survive kill -9 of the leader, and a join after the failover works', async (t) => {
  const cluster = await startCluster(t, 3);
  const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const room = uniqueName('fo').replace(/\./g, '_').slice(0, 32);
  const alice = await loggedInClient(n2.clientPort);
  const bob = await loggedInClient(n3.clientPort);
  const carol = await loggedInClient(n3.clientPort);
  t.teardown(() => [alice, bob, carol].forEach((u) => u.client.close()));
  t.is((await alice.client.request('createRoom', { name: room })).action, 'createRoom');
  t.is((await bob.client.request('joinRoom', { room })).action, 'joinRoom');

  n1.proc.child.kill('SIGKILL');
  // The new leader loads the rooms from MongoDB; until then room requests answer 503 (retry).
  const sent = await eventually(async () => {
    const reply = await alice.client.request('roomChat', { room, message: 'after failover', clientMsgId: 'after-failover' });
    return reply.action === 'roomChat' ? dataOf<ReplyData['roomChat']>(reply) : undefined;
  }, 20_000, 'a room chat through the new leader');
  await bob.client.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === sent.id, 10_000);

  const joined = await carol.client.request('joinRoom', { room });
  t.is(joined.action, 'joinRoom', JSON.stringify(joined));
  t.like(dataOf<ReplyData['joinRoom']>(joined).room, { members: 3 }, 'the memberships from before the failover are there');
  t.deepEqual(dataOf<ReplyData['joinRoom']>(joined).recent.map((m) => m.message), ['after failover']);
  const next = dataOf<ReplyData['roomChat']>(await bob.client.request('roomChat', { room, message: 'welcome carol' }));
  for (const member of [alice.client, carol.client]) await member.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === next.id, 10_000);
});

test.serial('a member whose node is killed gets the room messages it missed after reconnect plus sync', async (t) => {
  const cluster = await startCluster(t, 3);
  const [, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];
  const room = uniqueName('kill').replace(/\./g, '_').slice(0, 32);
  const alice = await loggedInClient(n2.clientPort);
  const bob = await loggedInClient(n3.clientPort);
  t.teardown(() => [alice, bob].forEach((u) => u.client.close()));
  t.is((await alice.client.request('createRoom', { name: room })).action, 'createRoom');
  const cursor = dataOf<ReplyData['joinRoom']>(await bob.client.request('joinRoom', { room })).position;
  const first = dataOf<ReplyData['roomChat']>(await alice.client.request('roomChat', { room, message: 'm0' }));
  await bob.client.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === first.id);

  n3.proc.child.kill('SIGKILL');
  for (let i = 1; i <= 3; i++) t.is((await alice.client.request('roomChat', { room, message: `m${i}` })).action, 'roomChat');

  const again = await TestClient.connect(n2.clientPort);
  t.teardown(() => again.close());
  const login = dataOf<ReplyData['login']>(await again.request('login', { username: bob.username, password: 'correct-horse' }));
  t.is(login.rooms[room.toLowerCase()]?.epoch, cursor.epoch);
  const seen = roomChats(bob.client, room).at(-1)!.seq;
  const synced = dataOf<ReplyData['sync']>(await again.request('sync', { after: login.inbox.head, rooms: { [room]: seen } }));
  const read = synced.rooms![room]!;
  t.true(read.complete);
  t.is(read.epoch, cursor.epoch);
  t.deepEqual(read.events.map((e) => (e.action === 'roomChat' ? e.data.message : e.action)), ['m1', 'm2', 'm3']);
  t.is(read.head, read.events.at(-1)!.data.seq);
});

test.serial('a 5,000-member world room fans out with one relay frame per node', async (t) => {
  t.timeout(240_000);
  const MEMBERS = 5000;
  const names = Array.from({ length: MEMBERS }, (_, i) => `w${i}_${process.pid % 1000}`);
  // Followers' cluster ports sit behind taps that read every frame the leader sends them.
  const relays = new Map<string, { frames: number; relays: number }>();
  const ports = new Map<string, { own: number; proxy: number }>();
  for (const id of ['node-2', 'node-3']) {
    const own = await freePort();
    const counter = { frames: 0, relays: 0 };
    relays.set(id, counter);
    const reader = new Map<number, ClientFrameReader>();
    const proxy = await startTcpProxy(t, `127.0.0.1:${own}`, {
      tapUpstream: (connection, data) => {
        let frames = reader.get(connection);
        if (!frames) {
          frames = new ClientFrameReader((opcode, payload) => {
            if (opcode !== TEXT_FRAME) return;
            const roomRelays = (parseLinkFrame(payload.toString()) ?? []).filter(isRoomRelay).length;
            if (roomRelays > 0) {
              counter.frames++;
              counter.relays += roomRelays;
            }
          });
          reader.set(connection, frames);
        }
        frames.push(data);
      },
    });
    ports.set(id, { own, proxy: proxy.port });
  }
  const cluster = await startCluster(t, 3, {
    beforeStart: (services) =>
      writeUsersAndRooms(services, names, [{ key: 'world', name: 'world', title: 'Everyone', members: [], everyone: true, createdBy: null, createdAt: new Date() }]),
    nodeEnv: (id): Record<string, string> => {
      const p = ports.get(id);
      return p ? { CLUSTER_PORT: String(p.own), PUBLIC_CLUSTER_PORT: String(p.proxy) } : {};
    },
  });
  const [n1, n2, n3] = cluster.nodes as [(typeof cluster.nodes)[0], (typeof cluster.nodes)[0], (typeof cluster.nodes)[0]];

  // Half the members on each follower; the sender is on the leader.
  const clients: TestClient[] = [];
  t.teardown(() => clients.forEach((c) => c.close()));
  for (let i = 0; i < MEMBERS; i += 250) {
    await Promise.all(
      names.slice(i, i + 250).map(async (name, k) => {
        const client = await TestClient.connect((i + k) % 2 === 0 ? n2.clientPort : n3.clientPort);
        clients.push(client);
        const login = await client.request('login', { username: name, password: 'correct-horse' });
        if (login.action !== 'login') throw new Error(JSON.stringify(login));
      }),
    );
  }
  const sender = await loggedInClient(n1.clientPort);
  t.teardown(() => sender.client.close());
  // The host counts them online once every node's presence came in.
  await eventually(async () => {
    const list = dataOf<ReplyData['rooms']>(await sender.client.request('rooms'));
    return list.rooms.find((r) => r.name === 'world' && r.online === MEMBERS + 1);
  }, 60_000, 'every member online in the world room');

  const sent = dataOf<ReplyData['roomChat']>(await sender.client.request('roomChat', { room: 'world', message: 'hello world' }));
  await Promise.all(clients.map((c) => c.next((f) => f.action === 'roomChat' && dataOf<RoomChatEvent>(f).id === sent.id, 60_000)));
  t.deepEqual(Object.fromEntries(relays), { 'node-2': { frames: 1, relays: 1 }, 'node-3': { frames: 1, relays: 1 } });
  t.true(clients.every((c) => roomChats(c, 'world').length === 1), 'every member got it once');
});

/** A relay carrying a room's event (never encoded for one user, unlike a relay of a private chat). */
function isRoomRelay(message: LinkMessage): boolean {
  const delivery = message.t === 'relay' ? relayDelivery(message) : null;
  return delivery !== null && 'audience' in delivery && delivery.audience.kind === 'room';
}
