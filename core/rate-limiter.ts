/** What a rate limiter decided about one message. */
export type RateDecision = 'allow' | 'limit' | 'flood';

export interface RateLimitOptions {
  /** Messages per second allowed on average. */
  ratePerSecond: number;
  /** Messages allowed at once on top of the average. */
  burst: number;
  /**
   * Rejected messages tolerated beyond the burst before the sender counts as a flood.
   * A short spike gets 429 replies; a sender that keeps going is disconnected.
   */
  floodAllowance: number;
}

export type Clock = () => number;

/**
 * Token bucket whose balance may go negative: every message costs a token even when it
 * is rejected, so a sender that ignores 429s drains towards `-floodAllowance` and is cut off.
 */
export class RateLimiter {
  #tokens: number;
  #updatedAt: number;

  constructor(private readonly options: RateLimitOptions, private readonly now: Clock = Date.now) {
    this.#tokens = options.burst;
    this.#updatedAt = now();
  }

  take(): RateDecision {
    const now = this.now();
    this.#tokens = this.#balanceAt(now);
    this.#updatedAt = now;
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 'allow';
    return this.#tokens < -this.options.floodAllowance ? 'flood' : 'limit';
  }

  /** Whether the bucket has refilled completely: then it decides exactly as a new one would, and may be dropped. */
  isFull(): boolean {
    return this.#balanceAt(this.now()) >= this.options.burst;
  }

  #balanceAt(now: number): number {
    const refill = ((now - this.#updatedAt) / 1000) * this.options.ratePerSecond;
    return Math.min(this.options.burst, this.#tokens + refill);
  }
}
