/**
 * Users written straight into MongoDB with the cheapest scrypt parameters: a login then costs the
 * node a trivial hash instead of a 16 MiB scrypt (~12/s per core), so thousands of users log in
 * within seconds. The bench's measures and the tests (test/helpers/cheap-users.ts) both use it.
 */
import { scryptSync } from 'node:crypto';
import { MongoClient, type Db } from 'mongodb';
import { userKey } from '../protocol/actions.js';
import type { UserDoc } from '../src/storage/user-store.js';

/** Users per insertMany: keeps each command well under MongoDB's message size. */
const INSERT_BATCH = 1000;
const CHEAP_SALT = Buffer.from('cheap-bench-users');

/** A valid `scrypt$N$r$p$salt$hash` hash (src/storage/password.ts) with the smallest cost. */
export function cheapHash(password: string): string {
  const key = scryptSync(password, CHEAP_SALT, 32, { N: 2, r: 1, p: 1 });
  return ['scrypt', 2, 1, 1, CHEAP_SALT.toString('base64'), key.toString('base64')].join('$');
}

/** Inserts the users (names as given, all with the same `passwordHash`) into `db`'s users collection. */
export async function insertUsers(db: Db, names: readonly string[], passwordHash: string): Promise<void> {
  const users = db.collection<UserDoc>('users');
  for (let from = 0; from < names.length; from += INSERT_BATCH) {
    const batch = names.slice(from, from + INSERT_BATCH);
    await users.insertMany(batch.map((name) => ({ key: userKey(name), username: name, passwordHash, createdAt: new Date() })));
  }
}

/** Connects to `mongoUrl` and inserts the users into database `dbName` (what a bench measure calls; `passwordHash`: e.g. `cheapHash(password)`). */
export async function writeUsers(mongoUrl: string, dbName: string, names: readonly string[], passwordHash: string): Promise<void> {
  const mongo = await MongoClient.connect(mongoUrl);
  try {
    await insertUsers(mongo.db(dbName), names, passwordHash);
  } finally {
    await mongo.close();
  }
}
