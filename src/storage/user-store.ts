import { MongoServerError, type Collection, type Db } from 'mongodb';
import { conflict } from '../../core/errors.js';
import { decoyHash, hashPassword, verifyPassword } from './password.js';

export interface UserDoc {
  /** Lower-cased username: names differing only in case are the same account. */
  key: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;

export class UserStore {
  readonly #users: Collection<UserDoc>;

  constructor(db: Db) {
    this.#users = db.collection<UserDoc>('users');
  }

  async ensureIndexes(): Promise<void> {
    await this.#users.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
  }

  /** Creates the account; throws 409 when the name is taken. */
  async register(username: string, password: string): Promise<void> {
    const passwordHash = await hashPassword(password);
    try {
      await this.#users.insertOne({ key: username.toLowerCase(), username, passwordHash, createdAt: new Date() });
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) throw conflict(`username "${username}" is taken`);
      throw err;
    }
  }

  /** Returns the stored spelling of the username when the password matches, else null. */
  async authenticate(username: string, password: string): Promise<string | null> {
    const user = await this.#users.findOne({ key: username.toLowerCase() }, { projection: { username: 1, passwordHash: 1 } });
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
      { key: username.toLowerCase() },
      { $setOnInsert: { key: username.toLowerCase(), username, passwordHash, createdAt: new Date() } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  async find(username: string): Promise<UserDoc | null> {
    return this.#users.findOne({ key: username.toLowerCase() });
  }
}
