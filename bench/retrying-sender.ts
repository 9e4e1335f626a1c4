/**
 * The sending half that both closed loops share (closed-loop.ts for the pairs, room-loop.ts for the
 * room): it numbers a user's messages, sends one at a time, times and counts each reply, and sends a
 * message refused with 503 or 429 again. What follows a reply is the loop's own rule: the pairs send
 * the next message at once, the room waits for the fan-out too.
 */
import type { LoopContext } from './closed-loop.js';
import { errorOf, type Connection, type Frame } from './connection.js';
import { Flags } from './flags.js';
import { nowMs } from './ipc.js';
import { clientMsgId, encodePayload, type Payload } from './payload.js';

/** Pause before a message refused with 503 or 429 is sent again (same clientMsgId). */
export const RETRY_AFTER_MS = 20;

/** A numbered message with its text and clientMsgId, both fixed across resends. */
export interface Message extends Payload {
  text: string;
  id: string;
}

/** What the loop does once a reply has been counted. */
export interface ReplyHandlers {
  /** The server stored message `counter`; `repliedAt` is when its reply came. */
  acked(counter: number, repliedAt: number): void;
  /** Refused with an error other than 503/429: the message is given up. */
  failed(): void;
  /** Refused with 503/429 after the window ended: no retry, nothing is outstanding any more. */
  retryCancelled?(): void;
}

export class RetryingSender {
  /** Messages sent so far (the next counter). */
  #counter = 0;
  readonly #acked = new Flags();
  #busy = false;

  constructor(
    readonly index: number,
    readonly conn: Connection,
    readonly action: string,
    /** The request's fields that say where the message goes (`to`, `room`). */
    readonly address: Readonly<Record<string, string>>,
    readonly ctx: LoopContext,
    readonly handlers: ReplyHandlers,
  ) {}

  /** True while a request or a retry is outstanding. */
  get busy(): boolean {
    return this.#busy;
  }

  get sent(): number {
    return this.#counter;
  }

  isAcked(counter: number): boolean {
    return this.#acked.has(counter);
  }

  /** Numbers the next message and counts it as sent; null once the window is over (then the sender is idle). */
  nextMessage(): Message | null {
    const sentAt = nowMs();
    if (sentAt >= this.ctx.endAt) {
      this.#busy = false;
      return null;
    }
    const payload: Payload = { sender: this.index, counter: this.#counter++, sentAt };
    if (sentAt >= this.ctx.startAt) this.ctx.counts.sent++; // not in the warm-up
    return { ...payload, text: encodePayload(payload), id: clientMsgId(payload) };
  }

  send(msg: Message): void {
    this.#busy = true;
    const attemptAt = nowMs();
    this.conn.request(this.action, { ...this.address, message: msg.text, clientMsgId: msg.id }, (frame) => this.#reply(msg, attemptAt, frame));
  }

  #reply(msg: Message, attemptAt: number, frame: Frame): void {
    const now = nowMs();
    const { ctx } = this;
    const inWindow = attemptAt >= ctx.startAt;
    if (inWindow && now <= ctx.endAt) ctx.replyLatency.record(now - attemptAt);
    const error = errorOf(frame);
    if (error === null) {
      if (msg.sentAt >= ctx.startAt) ctx.counts.acked++;
      this.#acked.add(msg.counter);
      this.#busy = false;
      this.handlers.acked(msg.counter, now);
      return;
    }
    if (error.code === 503 || error.code === 429) {
      if (error.code === 503) ctx.counts.unavailable503++;
      else ctx.counts.rateLimited429++;
      // The same message again, so the server stores it once; not after the window ended.
      if (now < ctx.endAt) setTimeout(() => this.send(msg), RETRY_AFTER_MS);
      else {
        this.#busy = false;
        this.handlers.retryCancelled?.();
      }
      return;
    }
    ctx.counts.otherErrors++;
    this.handlers.failed();
  }
}
