import { ZkchatError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { ErrorCode } from '../protocol/codes.js';
import type { CursorPosition } from './inbox-cursor.js';

/** What the acknowledgements need of the connection. */
export interface AckHost {
  /** Connected and logged in. */
  canSend(): boolean;
  /** Where the device's inbox cursor stands (every seq up to it processed), or null. */
  position(): CursorPosition | null;
  send(seq: number): Promise<unknown>;
  logger: Logger;
}

export interface AckOptions {
  /** At most one ack per this many milliseconds. */
  intervalMs?: number;
  now?: () => number;
}

/** Default spacing of acks: a burst of messages costs one ack per 200 ms. */
export const ACK_INTERVAL_MS = 200;

/**
 * Tells the server how far the device has processed its inbox (`ack {seq}`), so that the senders
 * of the messages up to there learn they were delivered. Coalesced: poke() after processing
 * events; the ack leaves at the end of the current turn (a whole sync page is one ack), then at
 * most once per `intervalMs`, and only when the contiguous cursor passed what was acked. A server
 * that does not know `ack` (400) is not asked again until the next login.
 */
export class Acks {
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** What the server confirmed last. */
  #acked: CursorPosition | null = null;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | null = null;
  #inFlight = false;
  #unsupported = false;
  #stopped = false;

  constructor(private readonly host: AckHost, options: AckOptions = {}) {
    this.#intervalMs = options.intervalMs ?? ACK_INTERVAL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** The last seq the server confirmed (null: none yet). */
  get acked(): CursorPosition | null {
    return this.#acked;
  }

  /** Whether an ack is scheduled or on its way. */
  get pending(): boolean {
    return this.#timer !== null || this.#inFlight;
  }

  /** After a login: a server that refused `ack` before may know it now (the catch-up that follows pokes). */
  loggedIn(): void {
    this.#unsupported = false;
  }

  /** The cursor may have moved: schedules an ack when it is past the acked one. */
  poke(): void {
    if (this.#stopped || this.#unsupported || this.#timer || this.#inFlight || !this.#wanted()) return;
    const wait = Math.max(0, this.#lastSentAt + this.#intervalMs - this.#now());
    this.#timer = setTimeout(() => void this.#flush(), wait);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #wanted(): CursorPosition | null {
    const position = this.host.position();
    if (!position || position.seq <= 0) return null;
    const acked = this.#acked;
    if (acked && acked.epoch === position.epoch && acked.seq >= position.seq) return null;
    return position;
  }

  async #flush(): Promise<void> {
    this.#timer = null;
    const position = this.#wanted();
    // Not connected: the next login's catch-up pokes again.
    if (!position || !this.host.canSend()) return;
    this.#inFlight = true;
    this.#lastSentAt = this.#now();
    try {
      await this.host.send(position.seq);
      this.#acked = position;
    } catch (err) {
      if (err instanceof ZkchatError && err.code === ErrorCode.BAD_REQUEST) {
        this.#unsupported = true;
        this.host.logger.info('the server does not take acks: delivery receipts are off until the next login', { err: err.message });
      } else {
        this.host.logger.debug('ack failed', { seq: position.seq, err: err instanceof Error ? err.message : String(err) });
      }
      return;
    } finally {
      this.#inFlight = false;
    }
    // Events processed while it was on its way.
    this.poke();
  }
}
