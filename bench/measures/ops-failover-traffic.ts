/**
 * The failover load of one generator: pairs (user 2k ↔ 2k+1) send to each other, one message
 * outstanding each, at most `ratePerUser` a second, while main kills the leader. Every user
 * receives the way the terminal client does: live events and `sync` replies go through the
 * client's InboxSync (client/inbox-sync.ts), which hands each inbox event on once, in seq order;
 * a user whose node died comes back through the gateway (ops-user.ts) and resends its unacked
 * message with the same clientMsgId. After the load, every user syncs to its inbox's head, and
 * what was acknowledged but never received is counted as lost.
 */
import { silentLogger } from '../../core/logger.js';
import { isChatEventData, type InboxPosition, type ReplyData, type RequestData } from '../../protocol/actions.js';
import { DEFAULT_BACKOFF, reconnectDelay } from '../../client/backoff.js';
import { InboxSync } from '../../client/inbox-sync.js';
import { errorOf, type Connection, type Frame } from '../connection.js';
import { Flags } from '../flags.js';
import { nowMs } from '../ipc.js';
import { clientMsgId, decodePayload, encodePayload, type Payload } from '../payload.js';
import { RETRY_AFTER_MS } from '../retrying-sender.js';
import type { FailoverPlan, FailoverResult } from './ops-protocol.js';
import type { OpsUserConnection } from './ops-user.js';
import { tallyReconnects } from './ops-tally.js';

/** Sync page size and tries of a failing catch-up, as the terminal client's defaults. */
const SYNC_PAGE = 100;
const SYNC_ATTEMPTS = 4;
const POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

interface Outstanding extends Payload {
  text: string;
  id: string;
  /** The connection the latest attempt went out on: a new login resends it. */
  via: Connection | null;
}

/** What every user of the generator adds to. */
interface Totals {
  sent: number;
  acked: number;
  errors: number;
  duplicatesRaw: number;
  duplicatesAfterDedup: number;
  deliveredBySync: number;
  syncFailures: number;
  gaps: number;
  lastBeforeKillAt: number | null;
  firstAfterKillAt: number | null;
  firstLiveAfterKillAt: number | null;
}

class PairUser {
  #counter = 0;
  #outstanding: Outstanding | null = null;
  #nextAt = 0;
  readonly acked = new Flags();
  /** Counters of the partner's messages received (after the client's dedup). */
  readonly received = new Flags();
  /** Message ids seen in any frame: what is left of duplicates before dedup. */
  readonly #seenIds = new Set<string>();
  /** First delivery of a partner message sent after the kill. */
  recoveredAt: number | null = null;
  /** Inbox head to reach in the final sync, and how far the client got. */
  #syncedSeq = 0;
  readonly inbox: InboxSync;

  constructor(
    readonly index: number,
    readonly partnerName: string,
    readonly user: OpsUserConnection,
    private readonly plan: FailoverPlan,
    private readonly totals: Totals,
    private readonly stopAt: () => number,
  ) {
    this.inbox = new InboxSync(
      {
        canSync: () => this.user.ready !== null,
        sync: (request) => this.#sync(request),
        deliver: (event, delivery) => {
          if (event.action === 'chat') this.#delivered(event.data.message, delivery.source);
        },
        gap: () => void totals.gaps++,
        synced: (info) => (this.#syncedSeq = Math.max(this.#syncedSeq, info.seq)),
        failed: () => void totals.syncFailures++,
        retryDelay: (attempt) => reconnectDelay(attempt, DEFAULT_BACKOFF),
        logger: silentLogger,
      },
      { backlog: 0, pageSize: SYNC_PAGE, attempts: SYNC_ATTEMPTS },
    );
    user.hooks = {
      loggedIn: (reply) => {
        this.inbox.loggedIn(reply.username, reply.inbox);
        // An unacked message goes out again on the new connection, with the same clientMsgId.
        if (this.#outstanding && this.#outstanding.via !== this.user.ready) this.#attempt(this.#outstanding);
      },
      event: (frame) => this.#event(frame),
      dropped: () => undefined,
    };
    const login = user.lastLogin;
    if (login) this.inbox.loggedIn(login.username, login.inbox);
  }

  get busy(): boolean {
    return this.#outstanding !== null;
  }

  /** Messages this user sent (their counters run 0 … count-1). */
  get count(): number {
    return this.#counter;
  }

  start(): void {
    this.#next();
  }

  /** Catches up to the inbox's head as it is now; resolves once the client got there or `until` passes. */
  async syncToHead(until: number): Promise<void> {
    for (;;) {
      if (nowMs() >= until) return;
      if (this.user.ready === null) {
        await sleep(POLL_MS);
        continue;
      }
      try {
        const head = await this.user.request<ReplyData['sync']>('sync', { after: 0, limit: 1 });
        // As after a login: the client catches up from its cursor to this head.
        this.inbox.loggedIn(this.user.spec.username, { epoch: head.epoch, head: head.head } satisfies InboxPosition);
        while (this.#syncedSeq < head.head && nowMs() < until) await sleep(POLL_MS);
        return;
      } catch {
        await sleep(POLL_MS);
      }
    }
  }

  #next(): void {
    const now = nowMs();
    if (now >= this.stopAt()) {
      this.#outstanding = null;
      return;
    }
    if (now < this.#nextAt) {
      setTimeout(() => this.#next(), this.#nextAt - now);
      return;
    }
    this.#nextAt = now + 1000 / this.plan.ratePerUser;
    const payload: Payload = { sender: this.index, counter: this.#counter++, sentAt: now };
    this.totals.sent++;
    this.#outstanding = { ...payload, text: encodePayload(payload), id: clientMsgId(payload), via: null };
    this.#attempt(this.#outstanding);
  }

  #attempt(msg: Outstanding): void {
    const conn = this.user.ready;
    msg.via = conn;
    // Not logged in now: the next login sends it (hooks.loggedIn).
    if (!conn) return;
    conn.request('chat', { to: this.partnerName, message: msg.text, clientMsgId: msg.id }, (frame) => this.#reply(msg, frame));
  }

  #reply(msg: Outstanding, frame: Frame): void {
    if (this.#outstanding !== msg) return;
    const error = errorOf(frame);
    if (error === null) {
      this.totals.acked++;
      this.acked.add(msg.counter);
      this.inbox.sent(frame.data as ReplyData['chat']);
      this.#next();
    } else if (error.code === 503 || error.code === 429) {
      // The same message again, so that it is stored once.
      setTimeout(() => this.#outstanding === msg && this.#attempt(msg), RETRY_AFTER_MS);
    } else {
      this.totals.errors++;
      this.#next();
    }
  }

  #event(frame: Frame): void {
    if (frame.action !== 'chat' || !isChatEventData(frame.data)) return;
    this.#seen(frame.data.id);
    this.inbox.live({ action: 'chat', data: frame.data });
  }

  async #sync(request: RequestData<'sync'>): Promise<ReplyData['sync']> {
    const reply = await this.user.request<ReplyData['sync']>('sync', request);
    for (const event of reply.events) if (event.action === 'chat') this.#seen(event.data.id);
    return reply;
  }

  #seen(id: string): void {
    if (this.#seenIds.has(id)) this.totals.duplicatesRaw++;
    else this.#seenIds.add(id);
  }

  #delivered(text: string, source: 'live' | 'sync' | 'backlog'): void {
    const payload = decodePayload(text);
    // The user's own messages come back through sync when their reply was lost: not deliveries.
    if (payload === null || payload.sender === this.index) return;
    if (this.received.has(payload.counter)) {
      this.totals.duplicatesAfterDedup++;
      return;
    }
    this.received.add(payload.counter);
    if (source !== 'live') this.totals.deliveredBySync++;
    const now = nowMs();
    const { killAt } = this.plan;
    const t = this.totals;
    if (now < killAt) t.lastBeforeKillAt = Math.max(t.lastBeforeKillAt ?? 0, now);
    else if (payload.sentAt >= killAt) {
      t.firstAfterKillAt = Math.min(t.firstAfterKillAt ?? Infinity, now);
      this.recoveredAt ??= now;
      if (source === 'live') t.firstLiveAfterKillAt = Math.min(t.firstLiveAfterKillAt ?? Infinity, now);
    }
  }
}

export class FailoverTraffic {
  readonly #users: PairUser[] = [];
  readonly #totals: Totals = {
    sent: 0, acked: 0, errors: 0, duplicatesRaw: 0, duplicatesAfterDedup: 0, deliveredBySync: 0, syncFailures: 0, gaps: 0, lastBeforeKillAt: null, firstAfterKillAt: null, firstLiveAfterKillAt: null,
  };
  #stopAt: number;

  constructor(users: readonly OpsUserConnection[], private readonly plan: FailoverPlan) {
    this.#stopAt = plan.endBy;
    const byIndex = new Map(users.map((u) => [u.spec.index, u]));
    for (const user of users) {
      const partner = byIndex.get(user.spec.index ^ 1);
      if (!partner) throw new Error(`user ${user.spec.index} came without its partner`);
      this.#users.push(new PairUser(user.spec.index, partner.spec.username, user, plan, this.#totals, () => this.#stopAt));
    }
  }

  async run(): Promise<FailoverResult> {
    const { plan } = this;
    await sleep(plan.startAt - nowMs());
    for (const u of this.#users) u.start();
    // The load ends `afterMs` after every user received again (users on the dead node too), or at endBy.
    while (nowMs() < this.#stopAt) {
      const recovered = this.#allRecoveredAt();
      if (recovered !== null) this.#stopAt = Math.min(this.#stopAt, recovered + plan.afterMs);
      await sleep(POLL_MS);
    }
    const drainBy = nowMs() + plan.drainMs;
    while (this.#users.some((u) => u.busy) && nowMs() < drainBy) await sleep(POLL_MS);
    await Promise.all(this.#users.map((u) => u.syncToHead(drainBy)));
    return this.#result();
  }

  close(): void {
    for (const u of this.#users) u.inbox.stop();
  }

  /** When the last user got its first message sent after the kill; null while some user has not. */
  #allRecoveredAt(): number | null {
    let last = 0;
    for (const u of this.#users) {
      if (u.recoveredAt === null) return null;
      last = Math.max(last, u.recoveredAt);
    }
    return last;
  }

  #result(): FailoverResult {
    const t = this.#totals;
    const byIndex = new Map(this.#users.map((u) => [u.index, u]));
    let lost = 0;
    let delivered = 0;
    let unacked = 0;
    for (const u of this.#users) {
      const partner = byIndex.get(u.index ^ 1)!;
      for (let c = 0; c < u.count; c++) {
        if (!u.acked.has(c) && !partner.received.has(c)) continue;
        if (partner.received.has(c)) delivered++;
        else lost++;
      }
      if (u.busy) unacked++;
    }
    return {
      sent: t.sent,
      acked: t.acked,
      unacked,
      delivered,
      deliveredBySync: t.deliveredBySync,
      lost,
      duplicatesRaw: t.duplicatesRaw,
      duplicatesAfterDedup: t.duplicatesAfterDedup,
      lastBeforeKillAt: t.lastBeforeKillAt,
      firstAfterKillAt: t.firstAfterKillAt,
      firstLiveAfterKillAt: t.firstLiveAfterKillAt,
      allRecoveredAt: this.#allRecoveredAt(),
      notReceivingAgain: this.#users.filter((u) => u.recoveredAt === null).length,
      errors: t.errors,
      syncFailures: t.syncFailures,
      gaps: t.gaps,
      reconnects: tallyReconnects(this.#users.map((u) => u.user)),
    };
  }
}
