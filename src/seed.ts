import { envInt, envString } from './env.js';
import { connectMongo } from './storage/mongo.js';
import { RoomStore } from './storage/room-store.js';
import { UserStore } from './storage/user-store.js';
import { SEED_ROOMS, SEED_USERS, seedPassword } from './seed-data.js';

/** `npm run seed`: writes the test users and rooms; running it again changes nothing. */
async function seed(): Promise<void> {
  const url = envString(process.env, 'MONGO_URL', 'mongodb://127.0.0.1:27017');
  const dbName = envString(process.env, 'MONGO_DB', 'zkchat');
  const { client, db } = await connectMongo(url, dbName, { connectTimeoutMs: envInt(process.env, 'CONNECT_TIMEOUT_MS', 5000, 100) });
  try {
    const users = new UserStore(db);
    const rooms = new RoomStore(db);
    await Promise.all([users.ensureIndexes(), rooms.ensureIndexes()]);

    const created = await Promise.all(SEED_USERS.map(async (name) => ((await users.ensure(name, seedPassword(name))) ? name : null)));
    const newUsers = created.filter((name) => name !== null);
    console.log(newUsers.length ? `users created: ${newUsers.join(', ')}` : `users: all ${SEED_USERS.length} already there`);

    for (const room of SEED_ROOMS) {
      const isNew = await rooms.ensure(room.name, room.members, room.everyone);
      const who = room.everyone ? 'everyone' : room.members.join(', ');
      console.log(`room ${room.name} (${who}): ${isNew ? 'created' : 'already there'}`);
    }
    console.log(`passwords are <name>-pass, e.g. alice / alice-pass (database "${dbName}")`);
  } finally {
    await client.close();
  }
}

seed().catch((err: unknown) => {
  console.error(`zkchat seed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
