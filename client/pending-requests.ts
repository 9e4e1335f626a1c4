import { ConnectionError, formatSeconds } from './errors.js';

interface Pending {
  action: string;
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Requests sent and not yet answered, by id. Bounded: past `limit` a new request fails at
 * once instead of waiting, and each one fails by itself after its timeout.
 */
export class PendingRequests {
  readonly #byId = new Map<string, Pending>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.#byId.size;
  }

  /** Waits for the answer to `id`; throws ConnectionError at once when too many are waiting. */
  add(id: string, action: string, timeoutMs: number): Promise<unknown> {
    if (this.#byId.size >= this.limit) {
      throw new ConnectionError(`${this.limit} requests are already waiting for the server: wait for their answers first`);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#byId.delete(id);
        reject(new ConnectionError(`the server did not answer "${action}" within ${formatSeconds(timeoutMs)}`));
      }, timeoutMs);
      this.#byId.set(id, { action, resolve, reject, timer });
    });
  }

  /** Returns false when `id` is not waiting (it timed out, or was never sent). */
  resolve(id: string, data: unknown): boolean {
    const pending = this.#take(id);
    pending?.resolve(data);
    return pending !== undefined;
  }

  reject(id: string, err: Error): boolean {
    const pending = this.#take(id);
    pending?.reject(err);
    return pending !== undefined;
  }

  rejectAll(err: Error): void {
    for (const id of [...this.#byId.keys()]) this.reject(id, err);
  }

  #take(id: string): Pending | undefined {
    const pending = this.#byId.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#byId.delete(id);
    return pending;
  }
}
