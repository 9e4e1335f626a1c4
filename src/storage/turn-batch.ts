interface Queued<In, Out> {
  input: In;
  resolve(output: Out): void;
  reject(reason: unknown): void;
}

/**
 * Gathers the calls made during one turn of the event loop (every client frame read in one poll of
 * the sockets) and runs them as one batch when the turn ends, or as soon as `maxItems` are waiting.
 * Under load one Redis call then carries dozens of messages: one write, one wake-up of Redis, one
 * script set-up, one answer to decode.
 */
export class TurnBatch<In, Out> {
  #queue: Queued<In, Out>[] = [];

  /** `run` answers every input of a batch, in order. */
  constructor(private readonly run: (inputs: In[]) => Promise<Out[]>, private readonly maxItems: number) {}

  add(input: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ input, resolve, reject });
      if (this.#queue.length >= this.maxItems) this.#flush();
    });
  }

  #flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    this.run(queue.map((queued) => queued.input)).then(
      (outputs) => queue.forEach((queued, i) => queued.resolve(outputs[i]!)),
      (err: unknown) => queue.forEach((queued) => queued.reject(err)),
    );
  }
}
