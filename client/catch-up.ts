import { ZkchatError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ReplyData } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import { ConnectionError, errorText } from './errors.js';

/** What a catch-up needs of the connection it runs on. */
export interface CatchUpHost {
  /** Whether a sync request may be sent now (connected, logged in, something to read from). */
  canSync(): boolean;
  /** Delay before retry number `attempt` (0-based). */
  retryDelay(attempt: number): number;
  logger: Logger;
}

/** What a reply did: moved a cursor, moved nothing while something is still missing, or neither. */
export type RoundOutcome = 'moved' | 'stuck' | 'unchanged';

/**
 * The logs one catch-up reads (the inbox, or the rooms followed), in rounds of one sync request:
 * what to ask for, and how to apply the answer in order.
 */
export interface CatchUpLog<Round> {
  /** Names the catch-up in log lines ("inbox sync"). */
  readonly name: string;
  /** Why a catch-up fails when replies keep moving nothing. */
  readonly stuckMessage: string;
  /** At the start of each catch-up. */
  begin(): void;
  /** Shows the held events that now follow; the next request to send, or null when nothing is missing. */
  nextRound(): Round | null;
  send(round: Round): Promise<ReplyData['sync']>;
  /** A refusal the log deals with itself (true: ask again at once, not counted as a failure). */
  refused(round: Round, err: unknown): boolean;
  apply(round: Round, reply: ReplyData['sync']): RoundOutcome;
  /** Nothing is missing any more. */
  caughtUp(): void;
  /** The tries are used up: show what was held back. */
  giveUp(message: string): void;
}

export interface CatchUpOptions {
  /** Tries of a failing catch-up before giving up until the next trigger. */
  attempts: number;
}

const RETRYABLE_CODES: ReadonlySet<number> = new Set([ErrorCode.RATE_LIMITED, ErrorCode.INTERNAL, ErrorCode.UNAVAILABLE]);

/**
 * Runs catch-ups of one log: sync requests until nothing is missing, a failed or fruitless one
 * retried with backoff up to `attempts` tries, then given up until the next trigger. One runs at
 * a time; a reply to a request sent before the last login (or stop) is not applied.
 */
export class CatchUp<Round> {
  #running = false;
  #failures = 0;
  /** Bumped by every login and stop: a reply to a request sent before it is not applied. */
  #generation = 0;
  #wake: (() => void) | null = null;

  constructor(
    private readonly host: CatchUpHost,
    private readonly log: CatchUpLog<Round>,
    private readonly options: CatchUpOptions,
  ) {}

  /** Whether a catch-up is under way (live events wait for it to end). */
  get running(): boolean {
    return this.#running;
  }

  /** A new login: replies to earlier requests are stale, tries start over, a retry waiting out its delay goes on at once. */
  loggedIn(): void {
    this.#generation++;
    this.#failures = 0;
    this.#wake?.();
  }

  /** What the log holds was thrown away (another user): replies to earlier requests are stale. */
  forget(): void {
    this.#generation++;
  }

  /** The client is closing: a waiting retry ends. */
  stop(): void {
    this.#generation++;
    this.#wake?.();
  }

  /** Starts a catch-up unless one runs or nothing can be sent. */
  start(): void {
    if (this.#running || !this.host.canSync()) return;
    this.#running = true;
    // Started on the next turn, so that whoever just logged in can listen before anything is emitted.
    setImmediate(() => {
      this.#run().catch((err: unknown) => this.host.logger.error(`${this.log.name} stopped`, { err: errorText(err) }));
    });
  }

  async #run(): Promise<void> {
    this.log.begin();
    try {
      for (;;) {
        // Not connected or not logged in: the next login starts over.
        if (!this.host.canSync()) return;
        const round = this.log.nextRound();
        if (round === null) {
          this.#failures = 0;
          this.log.caughtUp();
          return;
        }
        const generation = this.#generation;
        let reply: ReplyData['sync'];
        try {
          reply = await this.log.send(round);
        } catch (err) {
          if (generation !== this.#generation) continue;
          if (!this.host.canSync()) return;
          if (this.log.refused(round, err)) continue;
          if (await this.#retry(errorText(err), isRetryable(err))) continue;
          return;
        }
        if (generation !== this.#generation) continue;
        const outcome = this.log.apply(round, reply);
        if (outcome === 'moved') this.#failures = 0;
        // The reply moved nothing and something is still missing: it may still be on its way.
        else if (outcome === 'stuck' && !(await this.#retry(this.log.stuckMessage, true))) return;
      }
    } finally {
      this.#running = false;
    }
  }

  /** Waits out the backoff and returns true, or gives up: shows what was held back and returns false. */
  async #retry(message: string, retryable: boolean): Promise<boolean> {
    this.#failures++;
    if (!retryable || this.#failures >= this.options.attempts) {
      this.#failures = 0;
      this.log.giveUp(message);
      return false;
    }
    const delayMs = this.host.retryDelay(this.#failures - 1);
    this.host.logger.info(`${this.log.name} failed, retrying`, { attempt: this.#failures, delayMs, err: message });
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
}

function isRetryable(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof ZkchatError && RETRYABLE_CODES.has(err.code));
}
