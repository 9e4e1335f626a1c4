/**
 * The users of the room traffic. A sender sends to the room in a closed loop over the whole fan-out:
 * its next message goes once the reply is in and every other member has received the message. The
 * reply alone must not trigger it: one reply stands for N-1 deliveries, and a loop on replies would
 * outrun the receivers without bound (a backlog in socket buffers, latency growing over the window,
 * slow-consumer closes). Each member records what every sender sent it.
 */
import { countArrival, type LoopContext } from './closed-loop.js';
import type { Connection, Frame } from './connection.js';
import { Flags } from './flags.js';
import { nowMs } from './ipc.js';
import { decodePayload, decodeRoomChatFrame, type Payload } from './payload.js';
import { RetryingSender } from './retrying-sender.js';

/** After the reply, how long a sender waits for the rest of a fan-out (a guard: what never comes counts as lost). */
export const FANOUT_STALL_MS = 5000;
/** The text of the set-up messages that prove every member is in the room (not bench payloads). */
export const ROLL_CALL_PREFIX = 'roll-call ';

/** The message a sender waits on. */
interface Outstanding {
  counter: number;
  replied: boolean;
  repliedAt: number;
  /** Members that have not received it yet. */
  missing: number;
}

export class RoomSender {
  readonly #sender: RetryingSender;
  #current: Outstanding | null = null;

  constructor(
    readonly index: number,
    readonly conn: Connection,
    readonly room: string,
    /** Members that get each message: all but the sender. */
    readonly recipients: number,
    readonly ctx: LoopContext,
  ) {
    this.#sender = new RetryingSender(index, conn, 'roomChat', { room }, ctx, {
      acked: (counter, repliedAt) => this.#replied(counter, repliedAt),
      failed: () => this.#next(),
      retryCancelled: () => {
        this.#current = null;
      },
    });
  }

  /** True while a request or a retry is outstanding. */
  get busy(): boolean {
    return this.#sender.busy;
  }

  get sent(): number {
    return this.#sender.sent;
  }

  isAcked(counter: number): boolean {
    return this.#sender.isAcked(counter);
  }

  start(): void {
    this.#next();
  }

  /** A member received message `counter` of this sender for the first time. */
  delivered(counter: number): void {
    const current = this.#current;
    if (current === null || current.counter !== counter) return;
    current.missing--;
    if (current.missing === 0 && current.replied) this.#next();
  }

  /** Called now and then: stops waiting for a fan-out that the server acked long ago. */
  checkStall(now: number): void {
    const current = this.#current;
    if (current !== null && current.replied && now - current.repliedAt >= FANOUT_STALL_MS) this.#next();
  }

  #next(): void {
    this.#current = null;
    const msg = this.#sender.nextMessage();
    if (msg === null) return;
    this.#current = { counter: msg.counter, replied: false, repliedAt: 0, missing: this.recipients };
    this.#sender.send(msg);
  }

  /** The server stored message `counter`: the next one waits for the fan-out as well. */
  #replied(counter: number, repliedAt: number): void {
    const current = this.#current;
    if (current === null || current.counter !== counter) return;
    current.replied = true;
    current.repliedAt = repliedAt;
    // The fan-out may be complete before the reply is in (the raw relay sends the events first).
    if (current.missing <= 0) this.#next();
  }
}

export class RoomMember {
  /** By sender index: counters of that sender's messages that reached this member. */
  readonly #received: Flags[];
  /** Roll-call messages received (set-up only). */
  rollCalls = 0;

  constructor(
    readonly index: number,
    readonly conn: Connection,
    readonly senders: readonly RoomSender[],
    readonly ctx: LoopContext,
    /** Any event but bench payloads (which only the window has): the set-up waits for these to stop. */
    readonly onAnyEvent: () => void,
  ) {
    this.#received = senders.map(() => new Flags());
    conn.onFrameBytes = (raw) => {
      const payload = decodeRoomChatFrame(raw);
      if (payload === null) return false;
      this.#payload(payload);
      return true;
    };
    conn.onEvent = (frame) => this.#event(frame);
  }

  /** After the grace period: how many of `sender`'s acked messages never reached this member. */
  lostOf(sender: RoomSender): number {
    if (sender.index === this.index) return 0;
    const received = this.#received[sender.index]!;
    let lost = 0;
    for (let c = 0; c < sender.sent; c++) if (sender.isAcked(c) && !received.has(c)) lost++;
    return lost;
  }

  #event(frame: Frame): void {
    this.onAnyEvent();
    if (frame.action !== 'roomChat') return; // roomJoin during set-up
    const text = (frame.data as { message?: unknown }).message;
    if (typeof text !== 'string') return;
    const payload = decodePayload(text);
    if (payload !== null) this.#payload(payload);
    else if (text.startsWith(ROLL_CALL_PREFIX)) this.rollCalls++;
  }

  #payload(payload: Payload): void {
    const sender = this.senders[payload.sender];
    // The sending connection gets the reply, never the event: its own message here would be a bug.
    if (sender === undefined || payload.sender === this.index) return;
    const received = this.#received[payload.sender]!;
    const { ctx } = this;
    if (received.has(payload.counter)) {
      ctx.counts.duplicated++;
      return;
    }
    received.add(payload.counter);
    countArrival(ctx, payload.sentAt, nowMs());
    sender.delivered(payload.counter); // also in the warm-up: the sender's loop goes on
  }
}
