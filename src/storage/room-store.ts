import type { Collection, Db } from 'mongodb';

export interface RoomDoc {
  name: string;
  /**
   * Members, for rooms whose membership is stored. Rooms like "world" have
   * `everyone: true` and no stored members: every user joins them at login.
   */
  members: string[];
  everyone: boolean;
  createdAt: Date;
}

export class RoomStore {
  readonly #rooms: Collection<RoomDoc>;

  constructor(db: Db) {
    this.#rooms = db.collection<RoomDoc>('rooms');
  }

  async ensureIndexes(): Promise<void> {
    await this.#rooms.createIndex({ name: 1 }, { unique: true, name: 'name_unique' });
  }

  /** Creates the room if missing and adds the members; returns whether the room was created. */
  async ensure(name: string, members: readonly string[], everyone = false): Promise<boolean> {
    const result = await this.#rooms.updateOne(
      { name },
      { $setOnInsert: { name, everyone, createdAt: new Date() }, $addToSet: { members: { $each: [...members] } } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }
}
