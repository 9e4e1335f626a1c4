import type { ChainableCommander, Redis } from 'ioredis';

interface Queued {
  add(pipeline: ChainableCommander): void;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

/**
 * Commands issued during one turn of the event loop (every client frame read in one poll of the
 * sockets) go to Redis as one pipeline when the turn ends: one write, one wake-up of Redis, one
 * answer to read. ioredis' own auto-pipelining flushes after each callback instead, so under load
 * every client frame would cost its own round of system calls and wake-ups.
 */
export class TurnBatcher {
  #queue: Queued[] = [];

  constructor(private readonly redis: Redis) {}

  /** Queues what `add` puts on the pipeline (one command) and resolves with its answer. */
  run<T>(add: (pipeline: ChainableCommander) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ add, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  #flush(): void {
    const queue = this.#queue;
    this.#queue = [];
    const pipeline = this.redis.pipeline();
    for (const queued of queue) queued.add(pipeline);
    pipeline.exec().then(
      (results) =>
        queue.forEach((queued, i) => {
          const [err, value] = results?.[i] ?? [new Error('Redis pipeline returned no answer'), null];
          if (err) queued.reject(err);
          else queued.resolve(value);
        }),
      (err: unknown) => queue.forEach((queued) => queued.reject(err)),
    );
  }
}
