import { reconnectDelay, type BackoffOptions } from './backoff.js';

export interface ReconnectTimerOptions {
  backoff: BackoffOptions;
  random: () => number;
}

/** A login the server refused for now (429), and how long it said to wait. */
export interface RefusedLogin {
  ms: number;
  refused: string;
}

/** What a scheduled attempt is reported as: `attempt` counts from 1. */
export interface ScheduledAttempt {
  attempt: number;
  delayMs: number;
  refused?: string;
}

/**
 * When the next reconnect attempt runs: after a backoff that grows with each failed attempt, or,
 * after a throttled login, after the time the server named plus a little jitter so that clients
 * spread out. One attempt is scheduled at a time.
 */
export class ReconnectTimer {
  #attempt = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: ReconnectTimerOptions,
    private readonly attempt: () => void,
  ) {}

  /** Attempts since the last success. */
  get attempts(): number {
    return this.#attempt;
  }

  schedule(wait?: RefusedLogin): ScheduledAttempt {
    const backoff = reconnectDelay(wait ? 0 : this.#attempt, this.options.backoff, this.options.random);
    const delayMs = wait ? wait.ms + backoff : backoff;
    this.#attempt++;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.attempt();
    }, delayMs);
    return wait ? { attempt: this.#attempt, delayMs, refused: wait.refused } : { attempt: this.#attempt, delayMs };
  }

  /** Connected again: the next drop starts from the shortest delay. */
  succeeded(): void {
    this.#attempt = 0;
  }

  cancel(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
