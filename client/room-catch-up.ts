import { ZkchatError } from '../core/errors.js';
import { SYNC_ROOMS_MAX, type LogRead, type ReplyData, type RoomEvent } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import type { CatchUpLog, RoundOutcome } from './catch-up.js';
import type { ChatDelivery } from './chat-client-types.js';
import type { RoomCursor, RoomCursors } from './room-cursors.js';
import type { RoomSyncHost } from './room-sync.js';

/** What the room catch-up needs of the room sync it works for. */
export interface RoomCatchUpOwner {
  readonly rooms: RoomCursors;
  /** Shows an event its cursor just took. */
  deliver(cursor: RoomCursor, event: RoomEvent, source: ChatDelivery['source']): void;
  /** The user is no longer in the room (left elsewhere, or the room is gone). */
  drop(cursor: RoomCursor): void;
  /** The room's log was lost: the cursor starts over under `epoch`. */
  reset(cursor: RoomCursor, epoch: string, head: number): void;
}

/** One sync request: the rooms it asks about, and the seq it asked each one after. */
export interface RoomRound {
  wanting: RoomCursor[];
  after: Record<string, number>;
}

/**
 * The rounds of a catch-up of the rooms followed: every room that misses something is asked
 * about in one sync request (up to SYNC_ROOMS_MAX at a time), and each room's answer is applied
 * in seq order. A log trimmed past a cursor is reported as a gap, one that started over as a reset.
 */
export class RoomCatchUp implements CatchUpLog<RoomRound> {
  readonly name = 'room sync';
  readonly stuckMessage = 'the server did not return the missing room messages';
  /** A sync of several rooms was refused (403/404): ask room by room for the rest of this catch-up. */
  #oneByOne = false;
  #delivered = 0;

  constructor(
    private readonly host: Pick<RoomSyncHost, 'sync' | 'inboxCursor' | 'gap' | 'synced' | 'failed'>,
    private readonly owner: RoomCatchUpOwner,
    private readonly pageSize: number,
  ) {}

  begin(): void {
    this.#delivered = 0;
    this.#oneByOne = false;
  }

  nextRound(): RoomRound | null {
    for (const room of this.owner.rooms.list()) this.#drain(room);
    // Listed again: a held leave of this user's, once shown, drops its room.
    const wanting = this.owner.rooms.list().filter((room) => room.wantsSync).slice(0, this.#oneByOne ? 1 : SYNC_ROOMS_MAX);
    if (wanting.length === 0) return null;
    return { wanting, after: Object.fromEntries(wanting.map((room) => [room.key, room.seq])) };
  }

  send({ after }: RoomRound): Promise<ReplyData['sync']> {
    return this.host.sync({ ...this.host.inboxCursor(), limit: this.pageSize, rooms: after });
  }

  /** No longer in one of the rooms (left elsewhere, or the room is gone): find out which. */
  refused({ wanting }: RoomRound, err: unknown): boolean {
    if (!isNotMember(err)) return false;
    if (wanting.length === 1) this.owner.drop(wanting[0]!);
    else this.#oneByOne = true;
    return true;
  }

  apply({ wanting, after }: RoomRound, reply: ReplyData['sync']): RoundOutcome {
    let moved = false;
    for (const room of wanting) {
      const read = reply.rooms?.[room.key];
      if (this.owner.rooms.get(room.key) !== room || !read) continue;
      const before = `${room.epoch} ${room.seq}`;
      this.#apply(room, after[room.key] ?? 0, read);
      this.#drain(room);
      if (`${room.epoch} ${room.seq}` !== before) moved = true;
    }
    if (moved) return 'moved';
    return wanting.some((room) => room.wantsSync) ? 'stuck' : 'unchanged';
  }

  caughtUp(): void {
    const rooms = Object.fromEntries(this.owner.rooms.list().map((room) => [room.key, room.position]));
    this.host.synced({ rooms, delivered: this.#delivered });
  }

  giveUp(message: string): void {
    this.host.failed(message);
    for (const cursor of this.owner.rooms.list()) {
      const held = cursor.held.sort((a, b) => a.data.seq - b.data.seq);
      cursor.held = [];
      // Shown past the hole; the seqs below them stay missing, so the next catch-up asks for them again.
      for (const event of held) if (cursor.takeOutOfOrder(event) === 'deliver') this.owner.deliver(cursor, event, 'live');
    }
  }

  #apply(cursor: RoomCursor, after: number, read: LogRead<RoomEvent>): void {
    // Another epoch, or a cursor past the head: the room's log was lost; it is read again from its start.
    if ((cursor.epoch !== null && read.epoch !== cursor.epoch) || after > read.head) {
      this.owner.reset(cursor, read.epoch, read.head);
      return;
    }
    if (cursor.epoch === null) cursor.learnEpoch(read.epoch);
    cursor.target = Math.max(cursor.target, read.head);
    const events = [...read.events].sort((a, b) => a.data.seq - b.data.seq);
    for (const event of events) {
      // The log starts above the cursor (trimmed): what lies between is gone.
      if (cursor.check(event) === 'gap') this.#skipTo(cursor, event.data.seq - 1);
      this.#take(cursor, event, 'sync');
    }
    if (!read.complete && events.length === 0) this.#skipTo(cursor, read.head);
  }

  #skipTo(cursor: RoomCursor, seq: number): void {
    const missed = cursor.skipTo(seq);
    if (missed > 0) this.host.gap({ room: cursor.name, reason: 'trimmed', missed });
  }

  /** Emits the held events that now follow the cursor; keeps those past a gap. */
  #drain(cursor: RoomCursor): void {
    if (cursor.held.length === 0) return;
    const held = cursor.held.sort((a, b) => a.data.seq - b.data.seq);
    cursor.held = [];
    for (const event of held) {
      if (cursor.check(event) === 'gap') cursor.held.push(event);
      else this.#take(cursor, event, 'live');
    }
  }

  #take(cursor: RoomCursor, event: RoomEvent, source: ChatDelivery['source']): void {
    if (cursor.take(event) !== 'deliver') return;
    if (source === 'sync') this.#delivered++;
    this.owner.deliver(cursor, event, source);
  }
}

function isNotMember(err: unknown): boolean {
  return err instanceof ZkchatError && (err.code === ErrorCode.FORBIDDEN || err.code === ErrorCode.NOT_FOUND);
}
