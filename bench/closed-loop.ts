/**
 * One bench user of the pairs traffic: it sends to its partner in a closed loop (exactly one chat
 * request outstanding; the reply triggers the next) and records what its partner sends it. The room
 * traffic has its own loop (room-loop.ts): there a reply alone must not trigger the next message.
 */
import type { Connection, Frame } from './connection.js';
import { Flags } from './flags.js';
import { nowMs } from './ipc.js';
import { decodePayload } from './payload.js';
import { RetryingSender } from './retrying-sender.js';
import type { Counts, Histogram } from './stats.js';

/**
 * Shared by every user of one generator: the window and where results go. Traffic starts with the
 * warm-up (at sendingFrom) and is counted from startAt; see Counts for what the warm-up adds to.
 */
export interface LoopContext {
  startAt: number;
  endAt: number;
  /**
   * When this generator's traffic started (read just before its first send; timers may fire a
   * fraction of a millisecond before startAt): whatever was sent earlier belongs to an earlier run.
   */
  sendingFrom?: number;
  counts: Counts;
  deliveryLatency: Histogram;
  replyLatency: Histogram;
}

export class ClosedLoop {
  readonly #sender: RetryingSender;
  /** Counters of the partner's messages that reached this user. */
  readonly #received = new Flags();

  constructor(
    readonly index: number,
    readonly partnerIndex: number,
    readonly partnerName: string,
    readonly conn: Connection,
    readonly ctx: LoopContext,
  ) {
    // Any reply but a 503/429 (which the sender retries) triggers the next message.
    const next = (): void => this.#next();
    this.#sender = new RetryingSender(index, conn, 'chat', { to: partnerName }, ctx, { acked: next, failed: next });
    conn.onEvent = (frame) => this.#event(frame);
  }

  /** True while a request or a retry is outstanding. */
  get busy(): boolean {
    return this.#sender.busy;
  }

  start(): void {
    this.#next();
  }

  /** After the grace period: how many of this user's acked messages its partner never got. */
  lostAt(partner: ClosedLoop): number {
    let lost = 0;
    for (let c = 0; c < this.#sender.sent; c++) if (this.#sender.isAcked(c) && !partner.#received.has(c)) lost++;
    return lost;
  }

  #next(): void {
    const msg = this.#sender.nextMessage();
    if (msg !== null) this.#sender.send(msg);
  }

  #event(frame: Frame): void {
    if (frame.action !== 'chat') return;
    const text = (frame.data as { message?: unknown }).message;
    const payload = typeof text === 'string' ? decodePayload(text) : null;
    // Copies of this user's own messages (for its other devices) are not deliveries.
    if (payload === null || payload.sender !== this.partnerIndex) return;
    const now = nowMs();
    const { ctx } = this;
    // Sent before this generator's traffic started: a message of an earlier run or round delivered again.
    if (this.#received.has(payload.counter) || (ctx.sendingFrom !== undefined && payload.sentAt < ctx.sendingFrom)) {
      ctx.counts.duplicated++;
      return;
    }
    this.#received.add(payload.counter);
    countArrival(ctx, payload.sentAt, now);
  }
}

/**
 * Counts the first arrival, at `now`, of a message sent at `sentAt` (pairs and room traffic alike):
 * during the warm-up not at all, in the window towards the rate and latency (one of a warm-up
 * message also apart), after the window as late.
 */
export function countArrival(ctx: LoopContext, sentAt: number, now: number): void {
  if (now < ctx.startAt) return;
  if (now > ctx.endAt) {
    ctx.counts.deliveredLate++;
    return;
  }
  ctx.counts.delivered++;
  if (sentAt < ctx.startAt) ctx.counts.deliveredOfWarmup++;
  ctx.deliveryLatency.record(now - sentAt);
}
