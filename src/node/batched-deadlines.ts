/**
 * Deadlines that are all the same length from when each item was added (such as the login deadline
 * of every new socket), kept in batches under one timer: a timer per socket costs about 300 bytes
 * of heap for as long as it waits, and thousands of sockets arrive at once in a reconnect storm.
 * Items expire in the order they came, each at its own deadline or up to `slackMs` after it, never
 * before.
 */
export class BatchedDeadlines<T> {
  /** Oldest first; a batch expires at `due`, and takes items whose deadline is not after it. */
  readonly #batches: { due: number; items: T[] }[] = [];
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly delayMs: number,
    private readonly slackMs: number,
    private readonly expire: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  add(item: T): void {
    const deadline = this.now() + this.delayMs;
    const last = this.#batches.at(-1);
    if (last && deadline <= last.due) last.items.push(item);
    else this.#batches.push({ due: deadline + this.slackMs, items: [item] });
    this.#arm();
  }

  /** Drops every pending deadline (nothing expires any more). */
  clear(): void {
    this.#batches.length = 0;
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
      for (const item of this.#batches.shift()!.items) this.expire(item);
    }
    this.#arm();
  }
}
