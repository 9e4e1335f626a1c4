import test from 'ava';
import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import type { EventData, ReplyData } from '../../protocol/actions.js';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { testServices } from '../helpers/services-env.js';
import { dataOf, loggedInClient, uniqueName } from '../helpers/users.js';

test('the dirty-word filter masks what is delivered, stored and counted, and a changed list applies without a restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'zkchat-words-'));
  const list = join(dir, 'words.txt');
  await writeFile(list, '# test list\nbadword\n坏蛋\n');
  const services = testServices();
  const { port } = await startTestNode(t, { DIRTY_WORDS_FILE: list, RATE_LIMIT_PER_SEC: '1000', RATE_LIMIT_BURST: '1000' }, services);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  const sent = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bob.username, message: 'you BadWord, 坏蛋! nice weather' }));
  const event = await bob.client.next((f) => f.action === 'chat' && dataOf<EventData['chat']>(f).id === sent.id);
  t.is(dataOf<EventData['chat']>(event).message, 'you *******, **! nice weather', 'delivered masked, case-insensitively');

  const room = uniqueName('wf').replace(/\./g, '_').slice(0, 32);
  t.is((await alice.client.request('createRoom', { name: room })).action, 'createRoom');
  t.is((await bob.client.request('joinRoom', { room })).action, 'joinRoom');
  const roomSent = dataOf<ReplyData['roomChat']>(await alice.client.request('roomChat', { room, message: 'badword in a room' }));
  const roomEvent = await bob.client.next((f) => f.action === 'roomChat' && dataOf<EventData['roomChat']>(f).id === roomSent.id);
  t.is(dataOf<EventData['roomChat']>(roomEvent).message, '******* in a room');

  // Stored masked: the synced inbox and MongoDB's archive (once the writer got there).
  const synced = dataOf<ReplyData['sync']>(await bob.client.request('sync', { after: 0 }));
  t.deepEqual(synced.events.map((e) => (e.action === 'chat' ? e.data.message : e.action)), ['you *******, **! nice weather']);
  const mongo = await MongoClient.connect(services.mongoUrl);
  t.teardown(() => mongo.close());
  const messages = mongo.db(services.mongoDb).collection<{ _id: string; message: string }>('messages');
  const archived = await eventually(async () => (await messages.countDocuments({ _id: { $in: [sent.id, roomSent.id] } })) === 2 || undefined, 20_000, 'both messages archived');
  t.true(archived);
  t.deepEqual((await messages.find({ _id: { $in: [sent.id, roomSent.id] } }).toArray()).map((m) => m.message).sort(), ['******* in a room', 'you *******, **! nice weather']);
  const redis = new Redis(services.redisUrl);
  t.teardown(() => redis.disconnect());
  t.false((await redis.lrange(`${services.redisPrefix}recent:r:${room.toLowerCase()}`, 0, -1)).some((m) => m.includes('badword')));

  // Counted masked: the hot words have "weather", never the masked words.
  const words = await eventually(async () => {
    const top = dataOf<ReplyData['popular']>(await alice.client.request('popular', { limit: 100 })).words;
    return top.some((w) => w.word === 'weather') ? top : undefined;
  }, 20_000, 'the hot words counted');
  t.false(words.some((w) => /badword|坏蛋|\*/.test(w.word)), JSON.stringify(words));

  // A new list (written the way editors do: a new file renamed over the old one) applies by itself.
  await writeFile(`${list}.new`, 'badword\n坏蛋\nweather\n');
  await rename(`${list}.new`, list);
  await eventually(async () => {
    const reply = dataOf<ReplyData['chat']>(await alice.client.request('chat', { to: bob.username, message: 'weather again' }));
    const got = await bob.client.next((f) => f.action === 'chat' && dataOf<EventData['chat']>(f).id === reply.id);
    return dataOf<EventData['chat']>(got).message === '******* again' || undefined;
  }, 20_000, 'the new list in use');
  t.pass();
});
