import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { hotWordsPeriodKey, msUntilNextHotWordsPeriod, wordsOf } from '../text/hot-words.js';

/**
 * Claims the clear of one period and clears the board only with the claim, atomically: two leaders
 * that briefly overlap (an old one not yet told it lost) compute the same period, and only the
 * first clears. KEYS: claim, board. ARGV: claim lifetime (ms). Returns 1 when it cleared.
 */
const CLEAR_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0
`;

/** The longest delay setTimeout takes. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface HotWord {
  word: string;
  count: number;
}

/**
 * The hot-words board in Redis: a sorted set word → count, counted from archived messages (see
 * ArchiveWriter) and cleared by the leader once per period of `resetMs`. Periods are aligned to
 * the epoch (hotWordsPeriodKey), so every node agrees on them. Its keys are built here from the
 * prefix (`hot-words`, `hot-words:cleared:<period>`): nothing else uses them.
 */
export class HotWordsBoard {
  readonly #board: string;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly resetMs: number,
    private readonly logger: Logger,
  ) {
    this.#board = `${keys.prefix}hot-words`;
  }

  /** The most counted words, most first. */
  async top(limit: number): Promise<HotWord[]> {
    const flat = await this.redis.zrevrange(this.#board, 0, limit - 1, 'WITHSCORES');
    const words: HotWord[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) words.push({ word: flat[i] ?? '', count: Number(flat[i + 1]) });
    return words;
  }

  /** Adds the words of these messages: one ZINCRBY per distinct word, all in one MULTI. */
  async count(messages: readonly string[]): Promise<void> {
    const counts = new Map<string, number>();
    for (const text of messages) for (const word of wordsOf(text)) counts.set(word, (counts.get(word) ?? 0) + 1);
    if (counts.size === 0) return;
    const multi = this.redis.multi();
    for (const [word, n] of counts) multi.zincrby(this.#board, n, word);
    const results = await multi.exec();
    const failed = results?.find(([err]) => err !== null)?.[0];
    if (failed) throw failed;
  }

  /**
   * Clears the board for `period` unless some leader did already; true when this call cleared it.
   * The claim outlives its period, so a leader whose clock lags cannot clear the same period again.
   */
  async clear(period: number): Promise<boolean> {
    const claim = `${this.keys.prefix}hot-words:cleared:${period}`;
    return (await this.redis.eval(CLEAR_ONCE, 2, claim, this.#board, 2 * this.resetMs)) === 1;
  }

  /**
   * Called when this node gains or loses the leadership: only the leader runs the reset timer. A new
   * leader first clears the current period if no one did (the boundary fell while there was no
   * leader), then at every period boundary.
   */
  setLeader(isLeader: boolean): void {
    if (!isLeader) return this.stop();
    if (this.#timer) return; // already leading
    const now = Date.now();
    const period = hotWordsPeriodKey(now, this.resetMs);
    void this.#clear(period);
    this.#arm(period + 1, msUntilNextHotWordsPeriod(now, this.resetMs));
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Fires at the start of `period` and clears it, then arms for the next one. */
  #arm(period: number, delayMs: number): void {
    // setTimeout fires at once for delays past 2^31-1 ms (about 24.8 days): long periods wait in steps.
    this.#timer = setTimeout(() => {
      const now = Date.now();
      const start = period * this.resetMs;
      if (now < start) return this.#arm(period, start - now); // woke early: a long period's step, or the clock moved
      // Late (the event loop was busy, the clock jumped): clear the period it is now, once.
      const current = Math.max(period, hotWordsPeriodKey(now, this.resetMs));
      void this.#clear(current);
      this.#arm(current + 1, (current + 1) * this.resetMs - now);
    }, Math.min(delayMs, MAX_TIMER_MS));
    this.#timer.unref();
  }

  async #clear(period: number): Promise<void> {
    try {
      if (await this.clear(period)) this.logger.info('hot words cleared', { period });
    } catch (err) {
      // Redis unreachable: the board is cleared at the next boundary (or by the next leader).
      this.logger.warn('could not clear the hot words', { period, err: (err as Error).message });
    }
  }
}
