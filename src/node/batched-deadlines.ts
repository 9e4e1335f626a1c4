/** Items held before the first pass that lets go of those no longer waiting (see BatchedDeadlines). */
const COMPACT_MIN = 1024;

/**
 * Deadlines that are all the same length from when each item was added (such as the login deadline
 * of every new socket), kept in batches under one timer: a timer per socket costs about 300 bytes
 * of heap for as long as it waits, and thousands of sockets arrive at once in a reconnect storm.
 * Items expire in the order they came, each at its own deadline or up to `slackMs` after it, never
 * before.
 *
 * With `stillWaiting`, items that no longer wait for their deadline (a socket that closed or logged
 * in) are let go before it: whenever the items held have doubled since the last pass (and are at
 * least COMPACT_MIN), one pass drops those, so a flood of short-lived connections is not held for the
 * whole delay. Amortized, that is a constant cost per item.
 */
export class BatchedDeadlines<T> {
  /** Oldest first; a batch expires at `due`, and takes items whose deadline is not after it. */
  readonly #batches: { due: number; items: T[] }[] = [];
  #timer: NodeJS.Timeout | null = null;
  #held = 0;
  #compactAt = COMPACT_MIN;

  constructor(
    private readonly delayMs: number,
    private readonly slackMs: number,
    private readonly expire: (item: T) => void,
    private readonly now: () => number = Date.now,
    private readonly stillWaiting?: (item: T) => boolean,
  ) {}

  /** Items held: waiting for their deadline, or let go of at the next pass. */
  get size(): number {
    return this.#held;
  }

  add(item: T): void {
    const deadline = this.now() + this.delayMs;
    const last = this.#batches.at(-1);
    if (last && deadline <= last.due) last.items.push(item);
    else this.#batches.push({ due: deadline + this.slackMs, items: [item] });
    if (++this.#held >= this.#compactAt) this.#compact();
    this.#arm();
  }

  #compact(): void {
    const stillWaiting = this.stillWaiting;
    if (stillWaiting) {
      let held = 0;
      for (const batch of this.#batches) {
        batch.items = batch.items.filter(stillWaiting);
        held += batch.items.length;
      }
      this.#held = held;
    }
    this.#compactAt = Math.max(COMPACT_MIN, this.#held * 2);
  }

  /** Drops every pending deadline (nothing expires any more). */
  clear(): void {
    this.#batches.length = 0;
    this.#held = 0;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(): void {
    const first = this.#batches[0];
    if (this.#timer || !first) return;
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, first.due - this.now()));
    // Deadlines never keep the process alive on their own.
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    const now = this.now();
    while (this.#batches.length > 0 && this.#batches[0]!.due <= now) {
      const { items } = this.#batches.shift()!;
      this.#held -= items.length;
      for (const item of items) this.expire(item);
    }
    this.#arm();
  }
}
