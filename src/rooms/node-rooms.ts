import type { LocalRooms } from '../delivery/local-rooms.js';
import type { LocalSessions } from '../delivery/local-sessions.js';
import type { MemberMessage, PresenceMessage } from '../cluster/link-messages.js';

/** What room bookkeeping needs of a connection. */
export interface RoomConnection {
  readonly user: string | null;
}

/**
 * This node's side of rooms: which local connections are in which room (for delivery), and which
 * users are online in each, reported to the room host, which relays a room's events only to nodes
 * with members online. Changes are gathered per event-loop turn; a new host gets a full report on
 * its first link, so a change lost with a link is repaired by the next one.
 */
export class NodeRooms<Conn extends RoomConnection> {
  /** room → user → their connections in it here. */
  readonly #users = new Map<string, Map<string, number>>();
  #joined = new Map<string, Set<string>>();
  #left = new Map<string, Set<string>>();
  #flushScheduled = false;

  constructor(
    private readonly rooms: LocalRooms<Conn>,
    private readonly sessions: LocalSessions<Conn>,
    private readonly report: (message: PresenceMessage) => void,
  ) {}

  join(room: string, conn: Conn): void {
    if (conn.user === null || this.rooms.roomsOf(conn).has(room)) return;
    this.rooms.join(room, conn);
    let users = this.#users.get(room);
    if (!users) this.#users.set(room, (users = new Map()));
    const count = (users.get(conn.user) ?? 0) + 1;
    users.set(conn.user, count);
    if (count === 1) this.#changed(room, conn.user, true);
  }

  leave(room: string, conn: Conn): void {
    if (conn.user === null || !this.rooms.roomsOf(conn).has(room)) return;
    this.rooms.leave(room, conn);
    const users = this.#users.get(room);
    const count = (users?.get(conn.user) ?? 1) - 1;
    if (count > 0) return void users!.set(conn.user, count);
    users?.delete(conn.user);
    if (users?.size === 0) this.#users.delete(room);
    this.#changed(room, conn.user, false);
  }

  /** The connection closes or logs out (call before its user is cleared). */
  leaveAll(conn: Conn): void {
    for (const room of [...this.rooms.roomsOf(conn)]) this.leave(room, conn);
  }

  isIn(room: string, conn: Conn): boolean {
    return this.rooms.roomsOf(conn).has(room);
  }

  /** The host says a user joined or left: every local connection of theirs follows. */
  applyMember({ room, user, joined }: MemberMessage): void {
    for (const conn of this.sessions.connections(user) ?? []) {
      if (joined) this.join(room, conn);
      else this.leave(room, conn);
    }
  }

  /** Every room with users online here, and who. */
  fullReport(): PresenceMessage {
    const joined: Record<string, string[]> = {};
    for (const [room, users] of this.#users) joined[room] = [...users.keys()];
    return { t: 'presence', full: true, joined, left: {} };
  }

  #changed(room: string, user: string, joined: boolean): void {
    const [add, remove] = joined ? [this.#joined, this.#left] : [this.#left, this.#joined];
    if (remove.get(room)?.delete(user)) return; // undone within the turn: nothing to report
    let users = add.get(room);
    if (!users) add.set(room, (users = new Set()));
    users.add(user);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      const message: PresenceMessage = { t: 'presence', full: false, joined: lists(this.#joined), left: lists(this.#left) };
      this.#joined = new Map();
      this.#left = new Map();
      if (Object.keys(message.joined).length + Object.keys(message.left).length > 0) this.report(message);
    });
  }
}

function lists(changes: Map<string, Set<string>>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [room, users] of changes) if (users.size > 0) out[room] = [...users];
  return out;
}
