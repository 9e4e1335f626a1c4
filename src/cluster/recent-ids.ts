/** A bounded map of recently seen ids; the oldest entries go first when it is full. */
export class RecentIds<V> {
  readonly #entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(id: string): V | undefined {
    return this.#entries.get(id);
  }

  add(id: string, value: V): void {
    this.#entries.set(id, value);
    if (this.#entries.size > this.capacity) {
      // Map iterates in insertion order, so the first key is the oldest.
      this.#entries.delete(this.#entries.keys().next().value as string);
    }
  }
}
