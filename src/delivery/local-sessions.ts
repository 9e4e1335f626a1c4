/**
 * The connections of a user who has one (most users): a read-only set of one element, a fraction
 * of the size of a `Set` (whose hash table alone takes about 180 bytes).
 */
class SoleConnection<Conn> implements ReadonlySet<Conn> {
  constructor(readonly conn: Conn) {}

  get size(): number {
    return 1;
  }

  has(value: Conn): boolean {
    return value === this.conn;
  }

  forEach(callback: (value: Conn, key: Conn, set: ReadonlySet<Conn>) => void, thisArg?: unknown): void {
    callback.call(thisArg, this.conn, this.conn, this);
  }

  values(): SetIterator<Conn> {
    return [this.conn].values();
  }

  keys(): SetIterator<Conn> {
    return this.values();
  }

  entries(): SetIterator<[Conn, Conn]> {
    return [[this.conn, this.conn] as [Conn, Conn]].values();
  }

  [Symbol.iterator](): SetIterator<Conn> {
    return this.values();
  }
}

/** Connections of each logged-in user on this node. A user may have several devices. */
export class LocalSessions<Conn> {
  /** A user's one connection, or a Set once they have several. */
  readonly #byUser = new Map<string, SoleConnection<Conn> | Set<Conn>>();

  /** Returns how many connections the user now has here. */
  add(username: string, conn: Conn): number {
    const conns = this.#byUser.get(username);
    if (!conns) {
      this.#byUser.set(username, new SoleConnection(conn));
      return 1;
    }
    if (conns instanceof SoleConnection) {
      if (conns.conn === conn) return 1;
      this.#byUser.set(username, new Set([conns.conn, conn]));
      return 2;
    }
    conns.add(conn);
    return conns.size;
  }

  /** Returns how many connections the user still has here. */
  remove(username: string, conn: Conn): number {
    const conns = this.#byUser.get(username);
    if (!conns) return 0;
    if (conns instanceof SoleConnection) {
      if (conns.conn !== conn) return 1;
      this.#byUser.delete(username);
      return 0;
    }
    conns.delete(conn);
    if (conns.size === 1) this.#byUser.set(username, new SoleConnection(conns.values().next().value as Conn));
    else if (conns.size === 0) this.#byUser.delete(username);
    return conns.size;
  }

  entries(): IterableIterator<[string, ReadonlySet<Conn>]> {
    return this.#byUser.entries();
  }

  connections(username: string): ReadonlySet<Conn> | undefined {
    return this.#byUser.get(username);
  }
}
