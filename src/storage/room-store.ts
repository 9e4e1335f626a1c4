import { MongoServerError, type Collection, type Db } from 'mongodb';
import { roomKey } from '../../protocol/actions.js';

export interface RoomDoc {
  /** The room key (`roomKey(name)`): names differing only in case are one room. */
  key: string;
  /** The name as its creator spelled it. */
  name: string;
  title: string;
  /**
   * Members (user keys), for rooms whose membership is stored. Rooms like "world" have
   * `everyone: true` and no stored members: every user joins them at login.
   */
  members: string[];
  everyone: boolean;
  createdBy: string | null;
  createdAt: Date;
}

const DUPLICATE_KEY = 11000;

/** Rooms and their members in MongoDB. The room host (the leader) is the only writer while the cluster runs. */
export class RoomStore {
  readonly #rooms: Collection<RoomDoc>;

  constructor(db: Db, private readonly maxTimeMs = 5000) {
    this.#rooms = db.collection<RoomDoc>('rooms');
  }

  async ensureIndexes(): Promise<void> {
    // Rooms written before rooms had a key get one first (a unique index over missing keys would fail).
    for (const old of await this.#rooms.find({ key: { $exists: false } }, { projection: { _id: 1, name: 1 } }).toArray()) {
      await this.#rooms.updateOne({ _id: old._id }, { $set: { key: roomKey(old.name) } });
    }
    await this.#rooms.createIndex({ key: 1 }, { unique: true, name: 'key_unique' });
    // Which rooms a user is in (login): a multikey index in MongoDB.
    await this.#rooms.createIndex({ members: 1 }, { name: 'members' });
  }

  /** Creates the room if missing and adds the members; returns whether the room was created (seed). */
  async ensure(name: string, members: readonly string[], everyone = false): Promise<boolean> {
    const result = await this.#rooms.updateOne(
      { key: roomKey(name) },
      {
        $setOnInsert: { key: roomKey(name), name, title: name, everyone, createdBy: null, createdAt: new Date() },
        $addToSet: { members: { $each: [...members] } },
      },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  /** Every room, for the host taking over. */
  all(): Promise<RoomDoc[]> {
    return this.#rooms.find({}, { projection: { _id: 0 }, maxTimeMS: this.maxTimeMs }).toArray();
  }

  /** Inserts a new room; false when one with its key exists. */
  async create(room: RoomDoc): Promise<boolean> {
    try {
      await this.#rooms.insertOne({ ...room });
      return true;
    } catch (err) {
      if (err instanceof MongoServerError && err.code === DUPLICATE_KEY) return false;
      throw err;
    }
  }

  async addMember(key: string, user: string): Promise<void> {
    await this.#rooms.updateOne({ key }, { $addToSet: { members: user } }, { maxTimeMS: this.maxTimeMs });
  }

  async removeMember(key: string, user: string): Promise<void> {
    await this.#rooms.updateOne({ key }, { $pull: { members: user } }, { maxTimeMS: this.maxTimeMs });
  }

  async exists(key: string): Promise<boolean> {
    return (await this.#rooms.countDocuments({ key }, { limit: 1, maxTimeMS: this.maxTimeMs })) > 0;
  }

  /** The rooms `user` is in: those listing them, and every world room. */
  async roomsOf(user: string): Promise<{ key: string; name: string }[]> {
    return this.#rooms
      .find({ $or: [{ members: user }, { everyone: true }] }, { projection: { _id: 0, key: 1, name: 1 }, maxTimeMS: this.maxTimeMs })
      .toArray();
  }
}
