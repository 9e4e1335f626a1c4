import { roomKey, type RoomEvent } from '../protocol/actions.js';
import { InboxCursor, type Verdict } from './inbox-cursor.js';

/**
 * Where this device stands in each room it is in: the room log's epoch and the last seq up to
 * which every event was processed (shown, or known as this device's own message), as the inbox
 * cursor does for the inbox, plus the events held back until what comes before them is there.
 * Pure bookkeeping, no I/O.
 */

/** A room's place, as the client reports it. */
export interface RoomPosition {
  /** Null until a read of the room's log named it (a room just created, or joined elsewhere). */
  epoch: string | null;
  seq: number;
}

/** Ids for membership events, which carry none: the same event has the same id under any seq. */
export function roomEventId(event: RoomEvent): string {
  return event.action === 'roomChat' ? event.data.id : `${event.action}:${event.data.user}:${event.data.ts}`;
}

export class RoomCursor {
  readonly key: string;
  /** The room's name as the server spells it (the key until an event or listing told). */
  name: string;
  #epoch: string | null;
  readonly #cursor: InboxCursor;
  /** The newest seq the server reported: the cursor has to get there. */
  target: number;
  /** Live events waiting for what comes before them (or for a catch-up to end). */
  held: RoomEvent[] = [];

  constructor(name: string, position: RoomPosition) {
    this.key = roomKey(name);
    this.name = name;
    this.#epoch = position.epoch;
    this.#cursor = new InboxCursor({ epoch: position.epoch ?? '', seq: position.seq });
    this.target = position.seq;
  }

  get epoch(): string | null {
    return this.#epoch;
  }

  get seq(): number {
    return this.#cursor.seq;
  }

  get position(): RoomPosition {
    return { epoch: this.#epoch, seq: this.#cursor.seq };
  }

  /** Whether something is missing: behind the head, a hole below a processed seq, or events held past a gap. */
  get wantsSync(): boolean {
    return this.#cursor.seq < this.target || this.#cursor.hasHole || this.held.length > 0;
  }

  check(event: RoomEvent): Verdict {
    return this.#cursor.check(event.data.seq);
  }

  /** check(), and on 'deliver' records the event (an id seen before is then a 'duplicate'). */
  take(event: RoomEvent): Verdict {
    return this.#cursor.take({ seq: event.data.seq, id: roomEventId(event) });
  }

  /** Shown past a gap that could not be filled: the seqs below it stay missing. */
  takeOutOfOrder(event: RoomEvent): 'deliver' | 'duplicate' {
    return this.#cursor.takeOutOfOrder({ seq: event.data.seq, id: roomEventId(event) });
  }

  /** This device's own message, from the reply to its request. Returns whether a seq below it is still missing. */
  markOwn(seq: number, id: string): boolean {
    this.target = Math.max(this.target, seq);
    return this.#cursor.markOwn(seq, id);
  }

  /** Messages shown some other way (the recent messages of a join reply): never shown again by id. */
  remember(ids: readonly string[]): void {
    for (const id of ids) this.#cursor.rememberId(id);
  }

  /** The log no longer holds anything up to `seq`: returns how many seqs were never processed. */
  skipTo(seq: number): number {
    return this.#cursor.skipTo(seq);
  }

  /** The first read names the epoch of a cursor that had none: nothing changes but the name. */
  learnEpoch(epoch: string): void {
    this.#epoch = epoch;
  }

  /** The room's log was lost and started over: seqs start again at 0, held events are dropped (ids are kept). */
  reset(epoch: string, head: number): void {
    this.#epoch = epoch;
    this.#cursor.adoptEpoch(epoch);
    this.held = [];
    this.target = head;
  }

  /** Moves the cursor to `position` when it is ahead (the head of a join reply). */
  advanceTo(seq: number): void {
    if (seq > this.#cursor.seq) this.#cursor.skipTo(seq);
    this.target = Math.max(this.target, seq);
  }
}

/** The rooms this device follows, by key. */
export class RoomCursors {
  readonly #rooms = new Map<string, RoomCursor>();

  get size(): number {
    return this.#rooms.size;
  }

  get(name: string): RoomCursor | undefined {
    return this.#rooms.get(roomKey(name));
  }

  /** Adds a room, or returns the one there. */
  add(name: string, position: RoomPosition): RoomCursor {
    const existing = this.get(name);
    if (existing) return existing;
    const cursor = new RoomCursor(name, position);
    this.#rooms.set(cursor.key, cursor);
    return cursor;
  }

  delete(name: string): RoomCursor | undefined {
    const cursor = this.get(name);
    if (cursor) this.#rooms.delete(cursor.key);
    return cursor;
  }

  clear(): void {
    this.#rooms.clear();
  }

  list(): RoomCursor[] {
    return [...this.#rooms.values()];
  }
}
