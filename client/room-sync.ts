import { ZkchatError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { roomKey, SYNC_ROOMS_MAX, userKey, type InboxPosition, type LogRead, type ReplyData, type RequestData, type RoomEvent, type RoomInfo } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import type { ChatDelivery, RoomGapInfo, RoomsSyncedInfo } from './chat-client-types.js';
import { ConnectionError } from './errors.js';
import { RoomCursors, type RoomCursor, type RoomPosition } from './room-cursors.js';

/** What the room sync needs of the connection it runs on. */
export interface RoomSyncHost {
  /** Whether a sync request may be sent now: connected and logged in. */
  canSync(): boolean;
  sync(request: RequestData<'sync'>): Promise<ReplyData['sync']>;
  /** The inbox part of a sync request about rooms (a cursor the server accepts; what it returns of the inbox is not used). */
  inboxCursor(): { after: number; epoch?: string };
  deliver(event: RoomEvent, delivery: ChatDelivery): void;
  gap(info: RoomGapInfo): void;
  /** The user is no longer in a room this device followed (they left it on another device). */
  left(room: string): void;
  synced(info: RoomsSyncedInfo): void;
  failed(message: string): void;
  /** Delay before retry number `attempt` (0-based). */
  retryDelay(attempt: number): number;
  logger: Logger;
}

export interface RoomSyncOptions {
  /** `limit` of each sync request (per room). */
  pageSize: number;
  /** Tries of a failing catch-up before giving up until the next trigger. */
  attempts: number;
  /** Events kept per waiting list (before a login, before a join's reply); older ones are dropped. */
  maxHeld?: number;
}

/** Requests of this device that change its membership, and what arrived for the room meanwhile. */
interface Pending {
  joins: number;
  leaves: number;
  held: RoomEvent[];
}

const RETRYABLE_CODES: ReadonlySet<number> = new Set([ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE]);

/**
 * Turns live room events and sync replies into one stream per room in which each event of the
 * room's log appears once, in seq order. It follows the rooms of the login reply, of joins and
 * creates; at the first login every room starts at its head (no flood of old messages), after a
 * reconnect each one is read on from its cursor. A live event past a gap, a log trimmed past the
 * cursor or a new epoch are handled as the inbox sync handles them. One catch-up runs at a time,
 * for every room that needs one, only while the host can send.
 */
export class RoomSync {
  #user: string | null = null;
  readonly #rooms = new RoomCursors();
  /** Events that came before the login reply was read (or while logging in again). */
  #early: RoomEvent[] = [];
  readonly #pending = new Map<string, Pending>();
  #running = false;
  /** A sync of several rooms was refused (403/404): ask room by room for the rest of this catch-up. */
  #oneByOne = false;
  #failures = 0;
  #delivered = 0;
  /** Bumped by every login and stop: a reply to a request sent before it is not applied. */
  #generation = 0;
  #wake: (() => void) | null = null;
  readonly #maxHeld: number;

  constructor(private readonly host: RoomSyncHost, private readonly options: RoomSyncOptions) {
    this.#maxHeld = options.maxHeld ?? 1000;
  }

  /** The rooms followed, by the name the server spells them. */
  get rooms(): string[] {
    return this.#rooms.list().map((room) => room.name);
  }

  position(room: string): RoomPosition | null {
    return this.#rooms.get(room)?.position ?? null;
  }

  /** After every successful login: `rooms` are the user's rooms (key → position) as the reply names them. */
  loggedIn(username: string, rooms: Record<string, InboxPosition>): void {
    if (this.#user !== null && userKey(this.#user) !== userKey(username)) this.#forget();
    this.#user = username;
    this.#generation++;
    this.#failures = 0;
    for (const room of this.#rooms.list()) {
      if (!Object.hasOwn(rooms, room.key) && !this.#pendingOf(room.key)?.joins) this.#drop(room, true);
    }
    for (const [key, position] of Object.entries(rooms)) {
      const room = this.#rooms.get(key);
      if (!room) this.#rooms.add(key, { epoch: position.epoch, seq: position.head });
      else this.#moveTarget(room, position);
    }
    const early = this.#early;
    this.#early = [];
    for (const event of early) this.#route(event);
    // A retry waiting out its delay goes on at once, on the new connection.
    this.#wake?.();
    this.#kick();
  }

  /** A room event pushed by the server. */
  live(event: RoomEvent): void {
    if (this.#user === null || !this.host.canSync()) this.#hold(this.#early, event);
    else this.#route(event);
  }

  /** Before a joinRoom request of this device is sent. */
  joining(room: string): void {
    this.#pendingFor(roomKey(room)).joins++;
  }

  /** The joinRoom request was answered (null: it failed): the room is followed from the reply's position. */
  joined(room: string, reply: ReplyData['joinRoom'] | null): void {
    const key = roomKey(room);
    if (reply) {
      const cursor = this.#rooms.get(key) ?? this.#rooms.add(reply.room.name, { epoch: reply.position.epoch, seq: reply.position.head });
      cursor.name = reply.room.name;
      this.#moveTarget(cursor, reply.position);
      // The reply's recent messages are shown with it: a sync must not show them again.
      cursor.remember(reply.recent.map((message) => message.id));
    }
    this.#settle(key, 'joins', reply !== null);
  }

  /** Before a leaveRoom request of this device is sent. */
  leaving(room: string): void {
    this.#pendingFor(roomKey(room)).leaves++;
  }

  /** The leaveRoom request was answered (`ok`) or failed. */
  leftRoom(room: string, ok: boolean): void {
    const key = roomKey(room);
    const cursor = this.#rooms.get(key);
    if (ok && cursor) this.#drop(cursor, false);
    this.#settle(key, 'leaves', false);
  }

  /** A room this device created: the creator is its only member, and its log is empty. */
  created(room: RoomInfo): void {
    this.#rooms.add(room.name, { epoch: null, seq: 0 }).name = room.name;
  }

  /** The reply to this device's own room message: its seq counts as processed (the server sends this device no event for it). */
  sent(room: string, reply: ReplyData['roomChat']): void {
    const cursor = this.#rooms.get(room);
    if (!cursor || !Number.isSafeInteger(reply.seq) || typeof reply.id !== 'string') return;
    // Something below it has not arrived (yet): fetch it rather than wait for the next event.
    if (cursor.markOwn(reply.seq, reply.id)) this.#kick();
  }

  /** Spellings from a room listing. */
  learnNames(rooms: readonly RoomInfo[]): void {
    for (const info of rooms) {
      const cursor = this.#rooms.get(info.name);
      if (cursor) cursor.name = info.name;
    }
  }

  /** The client is closing: a waiting retry ends. */
  stop(): void {
    this.#generation++;
    this.#wake?.();
  }

  // Routing ------------------------------------------------------------------

  #route(event: RoomEvent): void {
    const key = roomKey(event.data.room);
    let cursor = this.#rooms.get(key);
    if (!cursor) {
      const pending = this.#pendingOf(key);
      if (pending && pending.joins > 0) return this.#hold(pending.held, event);
      if (!this.#isOwn(event, 'roomJoin')) {
        this.host.logger.debug('ignored an event of a room this device does not follow', { room: event.data.room, seq: event.data.seq });
        return;
      }
      // Joined on another device: followed from this event on.
      cursor = this.#rooms.add(event.data.room, { epoch: null, seq: event.data.seq - 1 });
    }
    cursor.name = event.data.room;
    if (this.#running) {
      cursor.held.push(event);
      return;
    }
    switch (cursor.check(event)) {
      case 'deliver':
        this.#take(cursor, event, 'live');
        return;
      case 'duplicate':
        return;
      case 'gap':
        cursor.held.push(event);
        cursor.target = Math.max(cursor.target, event.data.seq - 1);
        this.#kick();
    }
  }

  #take(cursor: RoomCursor, event: RoomEvent, source: ChatDelivery['source']): void {
    if (cursor.take(event) === 'deliver') this.#deliver(cursor, event, source);
  }

  #deliver(cursor: RoomCursor, event: RoomEvent, source: ChatDelivery['source']): void {
    if (source === 'sync') this.#delivered++;
    const own = this.#isOwn(event, 'roomJoin') || this.#isOwn(event, 'roomLeave');
    const pending = this.#pendingOf(cursor.key);
    // This device's own join or leave: the answer to its request tells it.
    if (own && pending && pending.joins + pending.leaves > 0) return;
    this.host.deliver(event, { source });
    // Left on another device: nothing more comes from this room.
    if (source === 'live' && this.#isOwn(event, 'roomLeave')) this.#drop(cursor, true);
  }

  #isOwn(event: RoomEvent, action: 'roomJoin' | 'roomLeave'): boolean {
    return event.action === action && this.#user !== null && userKey(event.data.user) === userKey(this.#user);
  }

  #hold(list: RoomEvent[], event: RoomEvent): void {
    list.push(event);
    if (list.length > this.#maxHeld) list.shift();
  }

  /** Where the server says the room stands: the cursor has to get there (or start over in a new epoch). */
  #moveTarget(cursor: RoomCursor, position: InboxPosition): void {
    if (cursor.epoch === null) cursor.learnEpoch(position.epoch);
    if (cursor.epoch !== position.epoch || cursor.seq > position.head) {
      this.#reset(cursor, position.epoch, position.head);
      return;
    }
    cursor.target = Math.max(cursor.target, position.head);
  }

  #reset(cursor: RoomCursor, epoch: string, head: number): void {
    const known = cursor.epoch !== null;
    cursor.reset(epoch, head);
    if (known) this.host.gap({ room: cursor.name, reason: 'reset', missed: null });
  }

  #drop(cursor: RoomCursor, notify: boolean): void {
    if (this.#rooms.get(cursor.key) !== cursor) return;
    this.#rooms.delete(cursor.key);
    if (notify) this.host.left(cursor.name);
  }

  #pendingOf(key: string): Pending | undefined {
    return this.#pending.get(key);
  }

  #pendingFor(key: string): Pending {
    let pending = this.#pending.get(key);
    if (!pending) this.#pending.set(key, (pending = { joins: 0, leaves: 0, held: [] }));
    return pending;
  }

  /** One request of this device settled; once none is left, what arrived meanwhile is routed (`route`) or dropped. */
  #settle(key: string, kind: 'joins' | 'leaves', route: boolean): void {
    const pending = this.#pending.get(key);
    if (!pending) return;
    pending[kind] = Math.max(0, pending[kind] - 1);
    if (pending.joins + pending.leaves > 0) return;
    this.#pending.delete(key);
    if (route) for (const event of pending.held) this.#route(event);
    this.#kick();
  }

  /** Another user logged in on this client: nothing of the last one's rooms applies. */
  #forget(): void {
    this.#generation++;
    this.#rooms.clear();
    this.#early = [];
  }

  // Catch-up -----------------------------------------------------------------

  #kick(): void {
    if (this.#running || this.#user === null || !this.host.canSync()) return;
    if (!this.#rooms.list().some((room) => room.wantsSync)) return;
    this.#running = true;
    // Started on the next turn, so that whoever just logged in can listen before anything is emitted.
    setImmediate(() => {
      this.#run().catch((err: unknown) => this.host.logger.error('room sync stopped', { err: errorText(err) }));
    });
  }

  async #run(): Promise<void> {
    this.#delivered = 0;
    this.#oneByOne = false;
    try {
      for (;;) {
        if (!this.host.canSync()) return;
        for (const room of this.#rooms.list()) this.#drain(room);
        const wanting = this.#rooms.list().filter((room) => room.wantsSync).slice(0, this.#oneByOne ? 1 : SYNC_ROOMS_MAX);
        if (wanting.length === 0) {
          this.#failures = 0;
          const rooms = Object.fromEntries(this.#rooms.list().map((room) => [room.key, room.position]));
          this.host.synced({ rooms, delivered: this.#delivered });
          return;
        }
        const generation = this.#generation;
        const after = Object.fromEntries(wanting.map((room) => [room.key, room.seq]));
        let reply: ReplyData['sync'];
        try {
          reply = await this.host.sync({ ...this.host.inboxCursor(), limit: this.options.pageSize, rooms: after });
        } catch (err) {
          if (generation !== this.#generation) continue;
          if (!this.host.canSync()) return;
          if (isNotMember(err)) {
            // No longer in one of them (left elsewhere, or the room is gone): find out which.
            if (wanting.length === 1) this.#drop(wanting[0]!, true);
            else this.#oneByOne = true;
            continue;
          }
          if (await this.#retry(errorText(err), isRetryable(err))) continue;
          return;
        }
        if (generation !== this.#generation) continue;
        let moved = false;
        for (const room of wanting) {
          const read = reply.rooms?.[room.key];
          if (this.#rooms.get(room.key) !== room || !read) continue;
          const before = `${room.epoch} ${room.seq}`;
          this.#apply(room, after[room.key] ?? 0, read);
          this.#drain(room);
          if (`${room.epoch} ${room.seq}` !== before) moved = true;
        }
        if (moved) this.#failures = 0;
        else if (wanting.some((room) => room.wantsSync)) {
          // The reply moved nothing and something is still missing: it may still be on its way.
          if (!(await this.#retry('the server did not return the missing room messages', true))) return;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #apply(cursor: RoomCursor, after: number, read: LogRead<RoomEvent>): void {
    // Another epoch, or a cursor past the head: the room's log was lost; it is read again from its start.
    if ((cursor.epoch !== null && read.epoch !== cursor.epoch) || after > read.head) {
      this.#reset(cursor, read.epoch, read.head);
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

  /** Waits out the backoff and returns true, or gives up: shows what was held back and returns false. */
  async #retry(message: string, retryable: boolean): Promise<boolean> {
    this.#failures++;
    if (!retryable || this.#failures >= this.options.attempts) {
      this.#giveUp(message);
      return false;
    }
    const delayMs = this.host.retryDelay(this.#failures - 1);
    this.host.logger.info('room sync failed, retrying', { attempt: this.#failures, delayMs, err: message });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#wake?.(), delayMs);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = null;
        resolve();
      };
    });
    return true;
  }

  #giveUp(message: string): void {
    this.#failures = 0;
    this.host.failed(message);
    for (const cursor of this.#rooms.list()) {
      const held = cursor.held.sort((a, b) => a.data.seq - b.data.seq);
      cursor.held = [];
      // Shown past the hole; the seqs below them stay missing, so the next catch-up asks for them again.
      for (const event of held) if (cursor.takeOutOfOrder(event) === 'deliver') this.#deliver(cursor, event, 'live');
    }
  }
}

function isNotMember(err: unknown): boolean {
  return err instanceof ZkchatError && (err.code === ErrorCode.FORBIDDEN || err.code === ErrorCode.NOT_FOUND);
}

function isRetryable(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof ZkchatError && RETRYABLE_CODES.has(err.code));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
