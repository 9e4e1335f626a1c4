/** Connections of each logged-in user on this node. A user may have several devices. */
export class LocalSessions<Conn> {
  readonly #byUser = new Map<string, Set<Conn>>();

  /** Returns how many connections the user now has here. */
  add(username: string, conn: Conn): number {
    let set = this.#byUser.get(username);
    if (!set) this.#byUser.set(username, (set = new Set()));
    set.add(conn);
    return set.size;
  }

  /** Returns how many connections the user still has here. */
  remove(username: string, conn: Conn): number {
    const set = this.#byUser.get(username);
    if (!set) return 0;
    set.delete(conn);
    if (set.size === 0) this.#byUser.delete(username);
    return set.size;
  }

  entries(): IterableIterator<[string, ReadonlySet<Conn>]> {
    return this.#byUser.entries();
  }

  connections(username: string): ReadonlySet<Conn> | undefined {
    return this.#byUser.get(username);
  }
}
