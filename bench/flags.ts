/** Growable bit set over message counters (they run 0, 1, 2, … per sender). */
export class Flags {
  #bits = new Uint8Array(1024);

  has(i: number): boolean {
    return i >> 3 < this.#bits.length && (this.#bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }

  add(i: number): void {
    if (i >> 3 >= this.#bits.length) {
      const grown = new Uint8Array(Math.max(this.#bits.length * 2, (i >> 3) + 1));
      grown.set(this.#bits);
      this.#bits = grown;
    }
    this.#bits[i >> 3]! |= 1 << (i & 7);
  }
}
