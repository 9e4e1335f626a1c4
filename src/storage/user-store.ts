import { MongoServerError, type Collection, type Db } from 'mongodb';
import { conflict } from '../../core/errors.js';
import { userKey } from '../../protocol/actions.js';
import { decoyHash, hashPassword, verifyPassword } from './password.js';

export interface UserDoc {
  /** Lower-cased username: names differing only in case are the same account. */
  key: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
  /** Push types the user turned off (absent: every type is on). */
  pushOff?: string[];
}

const DUPLICATE_KEY = 11000;

export class UserStore {
  readonly #users: Collection<UserDoc>;

  /** `maxTimeMs`: the server-side time limit of each query. */
  constructor(db: Db, private readonly maxTimeMs = 5000) {
    this.#users = db.collection<UserDoc>('users');
  }

  async ensureIndexes(): Promise<void> {
    await this.#users.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
  }

  /** Creates the account; throws 409 when the name is taken. */
  async register(username: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    try {
      await this.#users.insertOne({ key: userKey(username), username, passwordHash, createdAt: new Date() });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw conflict(`username "${username}" is taken`);
      throw err;
    }
  }

  /** Returns the stored spelling of the username when the password matches, else null. */
  async authenticate(username: string, password: string): Promise<string | null> {
    const user = await this.#users.findOne({ key: userKey(username) }, { projection: { username: 1, passwordHash: 1 }, maxTimeMS: this.maxTimeMs });
    if (!user) {
      await verifyPassword(password, await decoyHash());
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user.username : null;
  }

  /** Creates the account unless it exists; returns whether it was created. Used by the seed. */
  async ensure(username: string, password: string): Promise<boolean> {
    const passwordHash = await hashPassword(password);
    const result = await this.#users.updateOne(
      { key: userKey(username) },
      { $setOnInsert: { key: userKey(username), username, passwordHash, createdAt: new Date() } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  /** The push types `user` (a key) turned off; null when there is no such user. */
  async pushOff(user: string): Promise<string[] | null> {
    const doc = await this.#users.findOne({ key: user }, { projection: { pushOff: 1 }, maxTimeMS: this.maxTimeMs });
    return doc ? (doc.pushOff ?? []) : null;
  }

  /** The push types each of `users` (keys) turned off, in one query; a user not in the map does not exist. */
  async pushOffOfMany(users: readonly string[]): Promise<Map<string, string[]>> {
    const docs = await this.#users.find({ key: { $in: [...users] } }, { projection: { key: 1, pushOff: 1 }, maxTimeMS: this.maxTimeMs }).toArray();
    return new Map(docs.map((doc) => [doc.key, doc.pushOff ?? []]));
  }

  /** Turns types on and off with set operators, so two devices changing different types at once both count. */
  async changePushOff(user: string, on: readonly string[], off: readonly string[]): Promise<void> {
    if (on.length > 0) await this.#users.updateOne({ key: user }, { $pull: { pushOff: { $in: [...on] } } }, { maxTimeMS: this.maxTimeMs });
    if (off.length > 0) await this.#users.updateOne({ key: user }, { $addToSet: { pushOff: { $each: [...off] } } }, { maxTimeMS: this.maxTimeMs });
  }

  /** The stored spelling of the username, or null when there is no such user. */
  async spelling(username: string): Promise<string | null> {
    const user = await this.#users.findOne({ key: userKey(username) }, { projection: { username: 1 }, maxTimeMS: this.maxTimeMs });
    return user?.username ?? null;
  }
}
