/**
 * The archive backlog of zkchat: the Redis Stream `<REDIS_PREFIX>archive`, which the nodes' archive
 * writers drain into MongoDB. Its length is exactly what MongoDB does not have yet.
 */
import { Redis } from 'ioredis';

/**
 * How long the bench waits for the backlog to reach 0 after the load, at most. `same-node` leaves
 * 340,000 entries after a 30 s window and its warm-up, which took over 300 s to drain.
 */
export const DRAIN_TIMEOUT_MS = 600_000;
const POLL_MS = 250;

export class ArchiveBacklog {
  readonly #redis: Redis;
  readonly #key: string;

  constructor(redisUrl: string, redisPrefix: string) {
    this.#redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2, commandTimeout: 5000 });
    this.#redis.on('error', () => undefined); // surfaces as a failed command
    this.#key = `${redisPrefix}archive`;
  }

  /** Entries not yet in MongoDB (XLEN of a missing key is 0). */
  length(): Promise<number> {
    return this.#redis.xlen(this.#key);
  }

  /** Seconds from `since` (ms, nowMs clock) until the backlog is 0; null if it did not drain in time. */
  async waitDrained(since: number, now: () => number, timeoutMs = DRAIN_TIMEOUT_MS): Promise<number | null> {
    for (;;) {
      if ((await this.length()) === 0) return (now() - since) / 1000;
      if (now() - since >= timeoutMs) return null;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}
