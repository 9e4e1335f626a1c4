/** In a generator: when each of its connections first got each broadcast, and the copies beyond the first. */
import { nowMs } from '../ipc.js';

interface Arrivals {
  /** Connection indexes that got it. */
  seen: Set<number>;
  /** First arrival per connection (ms, nowMs clock), in arrival order. */
  times: number[];
}

export class BroadcastArrivals {
  readonly #byId = new Map<string, Arrivals>();
  readonly #waiters = new Map<string, () => void>();
  #duplicates = 0;

  /** `connections`: how many this generator holds, i.e. how many arrivals make a broadcast complete. */
  constructor(private readonly connections: number) {}

  record(id: string, connection: number): void {
    let arrivals = this.#byId.get(id);
    if (!arrivals) this.#byId.set(id, (arrivals = { seen: new Set(), times: [] }));
    if (arrivals.seen.has(connection)) {
      this.#duplicates++;
      return;
    }
    arrivals.seen.add(connection);
    arrivals.times.push(nowMs());
    if (arrivals.times.length === this.connections) this.#waiters.get(id)?.();
  }

  /** The first arrival times of `id` once every connection has it, or what came within `timeoutMs`. */
  async wait(id: string, timeoutMs: number): Promise<number[]> {
    if ((this.#byId.get(id)?.times.length ?? 0) < this.connections) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#waiters.set(id, () => (clearTimeout(timer), resolve()));
      });
      this.#waiters.delete(id);
    }
    return [...(this.#byId.get(id)?.times ?? [])];
  }

  /** Per broadcast id, how many connections got it; and the copies beyond the first, over all. */
  tally(): { received: Record<string, number>; duplicates: number } {
    const received: Record<string, number> = {};
    for (const [id, arrivals] of this.#byId) received[id] = arrivals.seen.size;
    return { received, duplicates: this.#duplicates };
  }
}
