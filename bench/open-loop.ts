/**
 * One bench user of the open-loop pairs traffic: it sends to its partner whenever the schedule says
 * so (open-loop-load.ts), however many of its messages are still unanswered, and records what its
 * partner sends it. Every latency runs from the message's scheduled send time, not from when it
 * actually left: a server (or generator) that falls behind shows up as queueing in the latency,
 * instead of quietly slowing the load down (no coordinated omission).
 */
import { RETRY_AFTER_MS } from './retrying-sender.js';
import { errorOf, type Connection, type Frame } from './connection.js';
import { Flags } from './flags.js';
import { nowMs } from './ipc.js';
import { clientMsgId, decodePayload, encodePayload, type Payload } from './payload.js';
import type { Counts, Histogram } from './stats.js';

/** One rate window of a generator: its clock, and where its results go. */
export interface OpenWindow {
  startAt: number;
  endAt: number;
  counts: Counts;
  /** Scheduled send → delivery, ms, for every delivery of a message of this window (also in the grace period). */
  deliveryLatency: Histogram;
  /** Scheduled send → the reply that settled the message (ack, or an error given up on), ms. */
  replyLatency: Histogram;
  /** Scheduled send → the moment the generator actually sent it, ms: how far the generator itself fell behind. */
  sendLag: Histogram;
  /** Messages of this window without a final reply yet (a 503/429 retry is still outstanding). */
  unsettled: number;
  /** First deliveries of messages of this window, in the window or after it. */
  arrived: number;
}

interface Message extends Payload {
  text: string;
  id: string;
}

export class OpenLoopUser {
  /** Messages this user sent so far, over all windows (the next counter: clientMsgIds stay unique). */
  #counter = 0;
  /** The first counter of the current window. */
  #windowFrom = 0;
  readonly #acked = new Flags();
  /** Counters of the partner's messages that reached this user. */
  readonly #received = new Flags();
  #window: OpenWindow | null = null;
  /** The user it sends to and receives from (set by pair()). */
  #partner: OpenLoopUser | null = null;

  constructor(
    readonly index: number,
    readonly username: string,
    readonly conn: Connection,
  ) {
    conn.onEvent = (frame) => this.#event(frame);
  }

  /** Makes `a` and `b` each other's partner. */
  static pair(a: OpenLoopUser, b: OpenLoopUser): void {
    a.#partner = b;
    b.#partner = a;
  }

  /** From now on, sends and deliveries count for `window`. */
  enter(window: OpenWindow): void {
    this.#window = window;
    this.#windowFrom = this.#counter;
  }

  /** Sends the next message, due at `scheduledAt` (ms, nowMs clock). */
  send(scheduledAt: number): void {
    const w = this.#window!;
    const payload: Payload = { sender: this.index, counter: this.#counter++, sentAt: scheduledAt };
    w.counts.sent++;
    w.unsettled++;
    w.sendLag.record(nowMs() - scheduledAt);
    this.#attempt({ ...payload, text: encodePayload(payload), id: clientMsgId(payload) }, w);
  }

  /** After the grace period: how many of this window's acked messages the partner never got. */
  get lost(): number {
    const partner = this.#partner!;
    let lost = 0;
    for (let c = this.#windowFrom; c < this.#counter; c++) if (this.#acked.has(c) && !partner.#received.has(c)) lost++;
    return lost;
  }

  #attempt(msg: Message, w: OpenWindow): void {
    this.conn.request('chat', { to: this.#partner!.username, message: msg.text, clientMsgId: msg.id }, (frame) => this.#reply(msg, w, frame));
  }

  #reply(msg: Message, w: OpenWindow, frame: Frame): void {
    const now = nowMs();
    const error = errorOf(frame);
    if (error !== null && (error.code === 503 || error.code === 429)) {
      if (error.code === 503) w.counts.unavailable503++;
      else w.counts.rateLimited429++;
      // The same message again (the server stores it once), until the window ends.
      if (now < w.endAt) {
        setTimeout(() => this.#attempt(msg, w), RETRY_AFTER_MS);
        return;
      }
    } else if (error === null) {
      w.counts.acked++;
      this.#acked.add(msg.counter);
    } else {
      w.counts.otherErrors++;
    }
    w.unsettled--;
    w.replyLatency.record(now - msg.sentAt);
  }

  #event(frame: Frame): void {
    if (frame.action !== 'chat') return;
    const text = (frame.data as { message?: unknown }).message;
    const payload = typeof text === 'string' ? decodePayload(text) : null;
    const partner = this.#partner;
    // Copies of this user's own messages (for its other devices) are not deliveries.
    if (payload === null || partner === null || payload.sender !== partner.index) return;
    const w = this.#window;
    if (w === null) return;
    if (this.#received.has(payload.counter)) {
      w.counts.duplicated++;
      return;
    }
    this.#received.add(payload.counter);
    // A straggler of an earlier window: that window has been counted already.
    if (payload.counter < partner.#windowFrom) return;
    const now = nowMs();
    w.arrived++;
    w.deliveryLatency.record(now - payload.sentAt);
    if (now <= w.endAt) w.counts.delivered++;
    else w.counts.deliveredLate++;
  }
}

/**
 * Sends `ratePerSec` messages a second, evenly spaced, from startAt until endAt, round-robin over
 * the users: message i is due at startAt + i / rate. A timer wakes at the next due time and sends
 * everything due by then; resolves after the last one.
 */
export function sendOnSchedule(users: readonly OpenLoopUser[], window: OpenWindow, ratePerSec: number): Promise<void> {
  const intervalMs = 1000 / ratePerSec;
  const total = Math.ceil(((window.endAt - window.startAt) * ratePerSec) / 1000);
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const now = nowMs();
      for (; next < total && window.startAt + next * intervalMs <= now; next++) {
        users[next % users.length]!.send(window.startAt + next * intervalMs);
      }
      if (next >= total) return resolve();
      setTimeout(tick, window.startAt + next * intervalMs - nowMs());
    };
    tick();
  });
}
