/**
 * One bench user of the pairs traffic: it sends to its partner in a closed loop (exactly one chat
 * request outstanding; the reply triggers the next) and records what its partner sends it. The room
 * traffic has its own loop (room-loop.ts): there a reply alone must not trigger the next message.
 */
import { errorOf, type Connection, type Frame } from './connection.js';
import { Flags } from './flags.js';
import { nowMs } from './ipc.js';
import { clientMsgId, decodePayload, encodePayload, type Payload } from './payload.js';
import type { Counts, Histogram } from './stats.js';

/** Pause before a message refused with 503 or 429 is sent again (same clientMsgId). */
export const RETRY_AFTER_MS = 20;

/** Shared by every user of one generator: the window and where results go. */
export interface LoopContext {
  startAt: number;
  endAt: number;
  counts: Counts;
  deliveryLatency: Histogram;
  replyLatency: Histogram;
}

interface Message extends Payload {
  text: string;
  id: string;
}

export class ClosedLoop {
  /** Messages this user sent so far (the next counter). */
  #counter = 0;
  readonly #acked = new Flags();
  /** Counters of the partner's messages that reached this user. */
  readonly #received = new Flags();
  #busy = false;

  constructor(
    readonly index: number,
    readonly partnerIndex: number,
    readonly partnerName: string,
    readonly conn: Connection,
    readonly ctx: LoopContext,
  ) {
    conn.onEvent = (frame) => this.#event(frame);
  }

  /** True while a request or a retry is outstanding. */
  get busy(): boolean {
    return this.#busy;
  }

  start(): void {
    this.#next();
  }

  /** After the grace period: how many of this user's acked messages its partner never got. */
  lostAt(partner: ClosedLoop): number {
    let lost = 0;
    for (let c = 0; c < this.#counter; c++) if (this.#acked.has(c) && !partner.#received.has(c)) lost++;
    return lost;
  }

  #next(): void {
    const sentAt = nowMs();
    if (sentAt >= this.ctx.endAt) {
      this.#busy = false;
      return;
    }
    const payload: Payload = { sender: this.index, counter: this.#counter++, sentAt };
    this.ctx.counts.sent++;
    this.#attempt({ ...payload, text: encodePayload(payload), id: clientMsgId(payload) });
  }

  #attempt(msg: Message): void {
    this.#busy = true;
    const attemptAt = nowMs();
    this.conn.request('chat', { to: this.partnerName, message: msg.text, clientMsgId: msg.id }, (frame) => this.#reply(msg, attemptAt, frame));
  }

  #reply(msg: Message, attemptAt: number, frame: Frame): void {
    const now = nowMs();
    const { ctx } = this;
    if (now <= ctx.endAt) ctx.replyLatency.record(now - attemptAt);
    const error = errorOf(frame);
    if (error === null) {
      ctx.counts.acked++;
      this.#acked.add(msg.counter);
      this.#next();
      return;
    }
    if (error.code === 503 || error.code === 429) {
      if (error.code === 503) ctx.counts.unavailable503++;
      else ctx.counts.rateLimited429++;
      // The same message again, so the server can store it once; not after the window ended.
      if (now < ctx.endAt) setTimeout(() => this.#attempt(msg), RETRY_AFTER_MS);
      else this.#busy = false;
      return;
    }
    ctx.counts.otherErrors++;
    this.#next();
  }

  #event(frame: Frame): void {
    if (frame.action !== 'chat') return;
    const text = (frame.data as { message?: unknown }).message;
    const payload = typeof text === 'string' ? decodePayload(text) : null;
    // Copies of this user's own messages (for its other devices) are not deliveries.
    if (payload === null || payload.sender !== this.partnerIndex) return;
    const now = nowMs();
    const { ctx } = this;
    if (this.#received.has(payload.counter)) {
      ctx.counts.duplicated++;
      return;
    }
    this.#received.add(payload.counter);
    if (now <= ctx.endAt) {
      ctx.counts.delivered++;
      ctx.deliveryLatency.record(now - payload.sentAt);
    } else {
      ctx.counts.deliveredLate++;
    }
  }
}
