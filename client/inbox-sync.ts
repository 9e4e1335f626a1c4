import type { Logger } from '../core/logger.js';
import { userKey, type InboxEvent, type InboxPosition, type ReplyData, type RequestData } from '../protocol/actions.js';
import { CatchUp, type CatchUpLog, type RoundOutcome } from './catch-up.js';
import type { ChatDelivery, GapInfo, SyncedInfo } from './chat-client-types.js';
import { InboxCursor, type CursorPosition } from './inbox-cursor.js';

/**
 * The seq and id an inbox event is counted under. A receipt names the message it is about, which is
 * in this inbox too (this user sent it): its id is kept apart, or the receipt would pass for that
 * message again.
 */
function cursorKey(event: InboxEvent): { seq: number; id: string } {
  return event.action === 'delivered' ? { seq: event.data.seq, id: `delivered:${event.data.id}` } : event.data;
}

/** What the sync needs of the connection it runs on. */
export interface InboxSyncHost {
  /** Whether a sync request may be sent now: connected and logged in. */
  canSync(): boolean;
  sync(request: RequestData<'sync'>): Promise<ReplyData['sync']>;
  /** An event of the inbox (a chat, a push or a receipt), once, in seq order. */
  deliver(event: InboxEvent, delivery: ChatDelivery): void;
  gap(info: GapInfo): void;
  synced(info: SyncedInfo): void;
  failed(message: string): void;
  /** Delay before retry number `attempt` (0-based). */
  retryDelay(attempt: number): number;
  logger: Logger;
}

export interface InboxSyncOptions {
  /** At the first login, how many of the newest events to show. */
  backlog: number;
  /** `limit` of each sync request. */
  pageSize: number;
  /** Tries of a failing catch-up before giving up until the next trigger. */
  attempts: number;
}

/** A live event held back; `epoch` is the one it was received under, null while a login is under way. */
interface Held {
  event: InboxEvent;
  epoch: string | null;
}

/** One sync request of the inbox, and the cursor it was asked for. */
interface InboxRound {
  cursor: InboxCursor;
  request: RequestData<'sync'>;
}

/**
 * Turns live events and sync replies into one stream in which each event of the inbox appears
 * once, in seq order. Live events that arrive while a catch-up runs (or past a gap) are held
 * back and emitted after it; one catch-up runs at a time, only while the host can send.
 */
export class InboxSync {
  #user: string | null = null;
  #cursor: InboxCursor | null = null;
  #held: Held[] = [];
  /** Events held under an epoch that was then left behind: shown (by id) once the new log was read. */
  #orphans: InboxEvent[] = [];
  /** The newest seq the server reported: the cursor has to get there. */
  #target = 0;
  /** Events up to this seq are the first login's backlog. */
  #backlogUntil = 0;
  /** The log no longer reaches back to the cursor: the next request starts at its oldest event. */
  #fromOldest = false;
  /** A live event repeated a seq already processed under an unknown id: ask whether the epoch changed. */
  #verify = false;
  #delivered = 0;
  readonly #catchUp: CatchUp<InboxRound>;

  constructor(private readonly host: InboxSyncHost, private readonly options: InboxSyncOptions) {
    const rounds: CatchUpLog<InboxRound> = {
      name: 'inbox sync',
      stuckMessage: 'the server did not return the missing messages',
      begin: () => {
        this.#delivered = 0;
      },
      nextRound: () => this.#nextRound(),
      send: (round) => host.sync(round.request),
      refused: () => false,
      apply: (round, reply) => this.#applyRound(round, reply),
      caughtUp: () => this.#caughtUp(),
      giveUp: (message) => this.#giveUp(message),
    };
    const canSync = () => this.#cursor !== null && host.canSync();
    this.#catchUp = new CatchUp({ canSync, retryDelay: (attempt) => host.retryDelay(attempt), logger: host.logger }, rounds, options);
  }

  get position(): CursorPosition | null {
    return this.#cursor?.position ?? null;
  }

  /** After every successful login: catch up from the cursor (or, the first time, from the backlog). */
  loggedIn(username: string, inbox: InboxPosition): void {
    if (this.#user !== null && userKey(this.#user) !== userKey(username)) this.#forget();
    this.#user = username;
    // A retry waiting out its delay goes on at once, on the new connection.
    this.#catchUp.loggedIn();
    for (const held of this.#held) held.epoch ??= inbox.epoch;
    const cursor = this.#cursor;
    if (!cursor) {
      this.#cursor = new InboxCursor({ epoch: inbox.epoch, seq: Math.max(0, inbox.head - this.options.backlog) });
      this.#backlogUntil = inbox.head;
    } else if (cursor.epoch !== inbox.epoch) {
      this.#lostEpoch(cursor, inbox.epoch);
    }
    this.#target = Math.max(this.#target, inbox.head);
    this.#catchUp.start();
  }

  /** An inbox event (a chat, or a push with a seq) pushed by the server. */
  live(event: InboxEvent): void {
    const cursor = this.#cursor;
    const canSync = this.host.canSync();
    if (!cursor && canSync) {
      // Logged in, but the server named no inbox position: nothing to order by.
      this.host.deliver(event, { source: 'live' });
      return;
    }
    if (!cursor || !canSync || this.#catchUp.running) {
      this.#held.push({ event, epoch: canSync ? (cursor?.epoch ?? null) : null });
      return;
    }
    switch (cursor.check(event.data.seq)) {
      case 'deliver':
        if (cursor.take(cursorKey(event)) === 'deliver') this.host.deliver(event, { source: 'live' });
        return;
      case 'duplicate':
        if (cursor.hasSeen(cursorKey(event).id)) return;
        this.#verify = true;
        break;
      case 'gap':
        break;
    }
    this.#held.push({ event, epoch: cursor.epoch });
    this.#catchUp.start();
  }

  /** The reply to this device's own chat request: its seq counts as processed. */
  sent(reply: ReplyData['chat']): void {
    const cursor = this.#cursor;
    if (!cursor || !Number.isSafeInteger(reply.seq) || typeof reply.id !== 'string') return;
    if (!cursor.markOwn(reply.seq, reply.id)) return;
    // Something below it has not arrived (yet): fetch it rather than wait for the next event.
    this.#target = Math.max(this.#target, reply.seq);
    this.#catchUp.start();
  }

  /** The client is closing: a waiting retry ends. */
  stop(): void {
    this.#catchUp.stop();
  }

  /** Another user logged in on this client: nothing of the last one's inbox applies. */
  #forget(): void {
    this.#catchUp.forget();
    this.#cursor = null;
    // Kept: events that arrived during this very login (no epoch yet) are the new user's.
    this.#held = this.#held.filter((held) => held.epoch === null);
    this.#orphans = [];
    this.#target = 0;
    this.#backlogUntil = 0;
    this.#fromOldest = false;
    this.#verify = false;
  }

  // Catch-up rounds (run by #catchUp) -----------------------------------------

  #nextRound(): InboxRound | null {
    const cursor = this.#cursor;
    if (!cursor) return null;
    this.#drain(cursor);
    if (!this.#wantsSync(cursor)) return null;
    return { cursor, request: { after: this.#fromOldest ? 0 : cursor.seq, epoch: cursor.epoch, limit: this.options.pageSize } };
  }

  #applyRound({ cursor, request }: InboxRound, reply: ReplyData['sync']): RoundOutcome {
    if (cursor !== this.#cursor) return 'unchanged';
    const before = `${cursor.epoch} ${cursor.seq}`;
    this.#apply(cursor, request.after, reply);
    this.#drain(cursor);
    if (`${cursor.epoch} ${cursor.seq}` !== before) return 'moved';
    return !this.#fromOldest && this.#wantsSync(cursor) ? 'stuck' : 'unchanged';
  }

  #caughtUp(): void {
    const cursor = this.#cursor;
    if (!cursor) return;
    this.#adoptOrphans(cursor);
    this.host.synced({ ...cursor.position, delivered: this.#delivered });
  }

  #wantsSync(cursor: InboxCursor): boolean {
    return this.#verify || this.#fromOldest || cursor.seq < this.#target || cursor.hasHole || this.#held.length > 0;
  }

  #apply(cursor: InboxCursor, after: number, reply: ReplyData['sync']): void {
    if (reply.epoch !== cursor.epoch) {
      this.#lostEpoch(cursor, reply.epoch);
      this.#target = reply.head;
      return;
    }
    this.#verify = false;
    if (!reply.complete && after > 0) {
      this.#fromOldest = true;
      return;
    }
    const fromOldest = this.#fromOldest;
    this.#fromOldest = false;
    this.#target = Math.max(this.#target, reply.head);
    const entries = [...reply.events].sort((a, b) => a.data.seq - b.data.seq);
    for (const entry of entries) {
      const { seq } = entry.data;
      // The log starts (or, against its promise, goes on) above the cursor: what lies between is gone.
      if (cursor.check(seq) === 'gap') this.#skipTo(cursor, seq - 1);
      // Pushes stored in the inbox are events of it like chats: in seq order, once.
      if (cursor.take(cursorKey(entry)) === 'deliver') {
        this.#delivered++;
        this.host.deliver(entry, { source: seq <= this.#backlogUntil ? 'backlog' : 'sync' });
      }
    }
    if (fromOldest && entries.length === 0) this.#skipTo(cursor, reply.head);
  }

  /** Moves past seqs the log no longer holds and reports those lost (older history of the backlog excepted). */
  #skipTo(cursor: InboxCursor, seq: number): void {
    const from = cursor.seq;
    const missed = cursor.skipTo(seq);
    const reported = Math.min(missed, seq - Math.max(from, this.#backlogUntil));
    if (reported > 0) this.host.gap({ reason: 'trimmed', missed: reported });
  }

  /**
   * The inbox's log was lost: it is read again from its start under the new epoch. Events held
   * under the old one may belong to either log (events carry no epoch): they wait until the new log
   * was read, and those it did not return are shown then.
   */
  #lostEpoch(cursor: InboxCursor, epoch: string): void {
    for (const held of this.#held) if (held.epoch !== epoch) this.#orphans.push(held.event);
    this.#held = this.#held.filter((held) => held.epoch === epoch);
    cursor.adoptEpoch(epoch);
    this.#target = 0;
    this.#backlogUntil = 0;
    this.#fromOldest = false;
    this.#verify = false;
    this.host.gap({ reason: 'reset', missed: null });
  }

  #adoptOrphans(cursor: InboxCursor): void {
    const orphans = this.#orphans.sort((a, b) => a.data.seq - b.data.seq);
    this.#orphans = [];
    for (const event of orphans) if (cursor.rememberId(cursorKey(event).id)) this.host.deliver(event, { source: 'live' });
  }

  /** Emits the held events that now follow the cursor; keeps those past a gap, and a suspect one until the server answered. */
  #drain(cursor: InboxCursor): void {
    if (this.#held.length === 0) return;
    const held = this.#held.sort((a, b) => a.event.data.seq - b.event.data.seq);
    this.#held = [];
    for (const entry of held) {
      const verdict = cursor.check(entry.event.data.seq);
      if (verdict === 'gap' || (verdict === 'duplicate' && this.#verify && !cursor.hasSeen(cursorKey(entry.event).id))) this.#held.push(entry);
      else if (cursor.take(cursorKey(entry.event)) === 'deliver') this.host.deliver(entry.event, { source: 'live' });
    }
  }

  #giveUp(message: string): void {
    this.#fromOldest = false;
    this.#verify = false;
    this.host.failed(message);
    const cursor = this.#cursor;
    if (cursor) this.#adoptOrphans(cursor);
    const held = this.#held.sort((a, b) => a.event.data.seq - b.event.data.seq);
    this.#held = [];
    // Shown past the hole; the seqs below them stay missing, so the next catch-up asks for them again.
    for (const { event } of held) {
      if (cursor?.takeOutOfOrder(cursorKey(event)) === 'deliver') this.host.deliver(event, { source: 'live' });
    }
  }
}
