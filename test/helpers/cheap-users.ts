import { scryptSync } from 'node:crypto';
import { MongoClient } from 'mongodb';
import type { TestServices } from './services-env.js';

/** A valid scrypt hash with the smallest cost: thousands of test logins without thousands of real hashes. */
export function cheapHash(password: string): string {
  const salt = Buffer.from('cheap-test-users');
  const key = scryptSync(password, salt, 32, { N: 2, r: 1, p: 1 });
  return ['scrypt', 2, 1, 1, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Writes users (names as given, password `correct-horse`) and rooms straight into MongoDB, before any node starts. */
export async function writeUsersAndRooms(services: TestServices, names: readonly string[], rooms: readonly Record<string, unknown>[] = []): Promise<void> {
  const mongo = await MongoClient.connect(services.mongoUrl);
  try {
    const db = mongo.db(services.mongoDb);
    const passwordHash = cheapHash('correct-horse');
    if (names.length > 0) await db.collection('users').insertMany(names.map((name) => ({ key: name.toLowerCase(), username: name, passwordHash, createdAt: new Date() })));
    if (rooms.length > 0) await db.collection('rooms').insertMany(rooms.map((room) => ({ ...room })));
  } finally {
    await mongo.close();
  }
}
