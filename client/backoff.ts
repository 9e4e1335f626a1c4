export interface BackoffOptions {
  /** Delay before the first retry. */
  initialMs: number;
  /** Longest delay between retries. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000 };

/**
 * Delay before retry number `attempt` (0-based): doubling from `initialMs` up to `maxMs`,
 * then "equal jitter" (half fixed, half random) so that the clients a node drops do not
 * all come back in the same instant, while none retries with no pause at all.
 */
export function reconnectDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
