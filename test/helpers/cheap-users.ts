import { MongoClient } from 'mongodb';
import { cheapHash, insertUsers } from '../../bench/cheap-users.js';
import type { TestServices } from './services-env.js';

export { cheapHash } from '../../bench/cheap-users.js';

/** Writes users (names as given, password `correct-horse`) and rooms straight into MongoDB, before any node starts. */
export async function writeUsersAndRooms(services: TestServices, names: readonly string[], rooms: readonly Record<string, unknown>[] = []): Promise<void> {
  const mongo = await MongoClient.connect(services.mongoUrl);
  try {
    const db = mongo.db(services.mongoDb);
    if (names.length > 0) await insertUsers(db, names, cheapHash('correct-horse'));
    if (rooms.length > 0) await db.collection('rooms').insertMany(rooms.map((room) => ({ ...room })));
  } finally {
    await mongo.close();
  }
}
