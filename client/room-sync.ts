import type { Logger } from '../core/logger.js';
import { roomKey, userKey, type InboxPosition, type ReplyData, type RequestData, type RoomEvent, type RoomInfo } from '../protocol/actions.js';
import { CatchUp } from './catch-up.js';
import type { ChatDelivery, RoomGapInfo, RoomsSyncedInfo } from './chat-client-types.js';
import { MembershipRequests, type MembershipChange } from './membership-requests.js';
import { RoomCatchUp, type RoomRound } from './room-catch-up.js';
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

/**
 * Turns live room events and sync replies into one stream per room in which each event of the
 * room's log appears once, in seq order. It follows the rooms of the login reply, of joins and
 * creates; at the first login every room starts at its head (no flood of old messages), after a
 * reconnect each one is read on from its cursor. A live event past a gap, a log trimmed past the
 * cursor or a new epoch are handled as the inbox sync handles them. One catch-up (RoomCatchUp)
 * runs at a time, for every room that needs one, only while the host can send.
 */
export class RoomSync {
  #user: string | null = null;
  readonly #rooms = new RoomCursors();
  /** Events that came before the login reply was read (or while logging in again). */
  #early: RoomEvent[] = [];
  readonly #requests = new MembershipRequests();
  readonly #catchUp: CatchUp<RoomRound>;
  readonly #maxHeld: number;

  constructor(private readonly host: RoomSyncHost, options: RoomSyncOptions) {
    this.#maxHeld = options.maxHeld ?? 1000;
    const owner = {
      rooms: this.#rooms,
      deliver: (cursor: RoomCursor, event: RoomEvent, source: ChatDelivery['source']) => this.#deliver(cursor, event, source),
      drop: (cursor: RoomCursor) => this.#drop(cursor, true),
      reset: (cursor: RoomCursor, epoch: string, head: number) => this.#reset(cursor, epoch, head),
    };
    this.#catchUp = new CatchUp(host, new RoomCatchUp(host, owner, options.pageSize), options);
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
    // A retry waiting out its delay goes on at once, on the new connection.
    this.#catchUp.loggedIn();
    for (const room of this.#rooms.list()) {
      if (!Object.hasOwn(rooms, room.key) && !this.#requests.isJoining(room.key)) this.#drop(room, true);
    }
    for (const [key, position] of Object.entries(rooms)) {
      const room = this.#rooms.get(key);
      if (!room) this.#rooms.add(key, { epoch: position.epoch, seq: position.head });
      else this.#moveTarget(room, position);
    }
    const early = this.#early;
    this.#early = [];
    for (const event of early) this.#route(event);
    this.#kick();
  }

  /** A room event pushed by the server. */
  live(event: RoomEvent): void {
    if (this.#user === null || !this.host.canSync()) this.#hold(this.#early, event);
    else this.#route(event);
  }

  /** Before a joinRoom request of this device is sent. */
  joining(room: string): void {
    this.#requests.begin(roomKey(room), 'joins');
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
    this.#requests.begin(roomKey(room), 'leaves');
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
    this.#catchUp.stop();
  }

  // Routing ------------------------------------------------------------------

  #route(event: RoomEvent): void {
    const key = roomKey(event.data.room);
    let cursor = this.#rooms.get(key);
    if (!cursor) {
      const waiting = this.#requests.joinWaitingList(key);
      if (waiting) return this.#hold(waiting, event);
      if (!this.#isOwn(event, 'roomJoin')) {
        this.host.logger.debug('ignored an event of a room this device does not follow', { room: event.data.room, seq: event.data.seq });
        return;
      }
      // Joined on another device: followed from this event on.
      cursor = this.#rooms.add(event.data.room, { epoch: null, seq: event.data.seq - 1 });
    }
    cursor.name = event.data.room;
    if (this.#catchUp.running) {
      cursor.held.push(event);
      return;
    }
    switch (cursor.check(event)) {
      case 'deliver':
        if (cursor.take(event) === 'deliver') this.#deliver(cursor, event, 'live');
        return;
      case 'duplicate':
        return;
      case 'gap':
        cursor.held.push(event);
        cursor.target = Math.max(cursor.target, event.data.seq - 1);
        this.#kick();
    }
  }

  /** Shows an event its cursor took, unless the answer to this device's own join or leave tells of it. */
  #deliver(cursor: RoomCursor, event: RoomEvent, source: ChatDelivery['source']): void {
    const own = this.#isOwn(event, 'roomJoin') || this.#isOwn(event, 'roomLeave');
    if (own && this.#requests.changing(cursor.key)) return;
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

  /** One request of this device settled; once none is left, what arrived meanwhile is routed (`route`) or dropped. */
  #settle(key: string, change: MembershipChange, route: boolean): void {
    const held = this.#requests.settle(key, change);
    if (held === null) return;
    if (route) for (const event of held) this.#route(event);
    this.#kick();
  }

  /** Another user logged in on this client: nothing of the last one's rooms applies. */
  #forget(): void {
    this.#catchUp.forget();
    this.#rooms.clear();
    this.#early = [];
  }

  #kick(): void {
    if (this.#user === null || !this.#rooms.list().some((room) => room.wantsSync)) return;
    this.#catchUp.start();
  }
}
