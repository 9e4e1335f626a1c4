import { Counter, type Registry } from 'prom-client';

/**
 * Counts by one label value on the hot path with a map lookup and an add: prom-client's own
 * `inc(labels)` hashes and validates the label object on every call, which a frame counter at
 * bench rates should not pay. The totals are copied into a prom-client counter when scraped.
 */
export class Tally {
  readonly #cells = new Map<string, { n: number }>();

  add(key: string, by = 1): void {
    const cell = this.#cells.get(key);
    if (cell) cell.n += by;
    else this.#cells.set(key, { n: by });
  }

  get(key: string): number {
    return this.#cells.get(key)?.n ?? 0;
  }

  *entries(): IterableIterator<[string, number]> {
    for (const [key, cell] of this.#cells) yield [key, cell.n];
  }
}

/** A counter with one label whose values are read from `tally` at each scrape. */
export function tallyCounter(registry: Registry, name: string, help: string, label: string, tally: Tally): Counter<string> {
  return new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of tally.entries()) this.inc({ [label]: value }, n);
    },
  });
}
