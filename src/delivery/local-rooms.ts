/**
 * Which of this node's connections are in which room, so a room's event reaches its local members
 * with one lookup. The room host sends each node one relay per room event, never one per member.
 */
const EMPTY: ReadonlySet<string> = new Set();

export class LocalRooms<Conn> {
  readonly #byRoom = new Map<string, Set<Conn>>();
  readonly #byConn = new Map<Conn, Set<string>>();

  join(room: string, conn: Conn): void {
    let members = this.#byRoom.get(room);
    if (!members) this.#byRoom.set(room, (members = new Set()));
    members.add(conn);
    let rooms = this.#byConn.get(conn);
    if (!rooms) this.#byConn.set(conn, (rooms = new Set()));
    rooms.add(room);
  }

  leave(room: string, conn: Conn): void {
    const members = this.#byRoom.get(room);
    members?.delete(conn);
    if (members?.size === 0) this.#byRoom.delete(room);
    const rooms = this.#byConn.get(conn);
    rooms?.delete(room);
    if (rooms?.size === 0) this.#byConn.delete(conn);
  }

  /** A connection closed or logged out: it leaves every room. */
  leaveAll(conn: Conn): void {
    for (const room of [...(this.#byConn.get(conn) ?? [])]) this.leave(room, conn);
  }

  connections(room: string): ReadonlySet<Conn> | undefined {
    return this.#byRoom.get(room);
  }

  /** The rooms `conn` is in. */
  roomsOf(conn: Conn): ReadonlySet<string> {
    return this.#byConn.get(conn) ?? EMPTY;
  }

  /** Every room with a local connection in it. */
  rooms(): IterableIterator<string> {
    return this.#byRoom.keys();
  }
}
