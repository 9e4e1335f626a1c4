/**
 * Where one device stands in its user's inbox: the inbox's epoch and the last seq up to which
 * every event has been processed (shown, or known as the device's own message). Pure logic, no
 * I/O: the caller asks what to do with each seq and tells it what was done.
 */

/** What to do with an event now: show it, drop it (already processed), or fetch what lies before it first. */
export type Verdict = 'deliver' | 'duplicate' | 'gap';

export interface CursorPosition {
  epoch: string;
  /** Every seq up to this one has been processed; 0 before the first event. */
  seq: number;
}

/** What the cursor needs of an event. */
export interface Sequenced {
  seq: number;
  id: string;
}

/** Message ids remembered so that one message under two seqs (after an epoch change) shows once. */
export const REMEMBERED_IDS = 2000;

export class InboxCursor {
  #epoch: string;
  #seq: number;
  /** Seqs above #seq + 1 processed already: the device's own messages, or events shown past a gap. */
  readonly #ahead = new Set<number>();
  readonly #ids: RecentIds;

  constructor(position: CursorPosition, rememberIds = REMEMBERED_IDS) {
    this.#epoch = position.epoch;
    this.#seq = position.seq;
    this.#ids = new RecentIds(rememberIds);
  }

  get epoch(): string {
    return this.#epoch;
  }

  /** The last contiguous seq processed: a sync asks for what comes after it. */
  get seq(): number {
    return this.#seq;
  }

  get position(): CursorPosition {
    return { epoch: this.#epoch, seq: this.#seq };
  }

  /** Whether some seq below a processed one is still missing. */
  get hasHole(): boolean {
    return this.#ahead.size > 0;
  }

  /** What to do with an event at `seq` now; changes nothing. */
  check(seq: number): Verdict {
    if (seq <= this.#seq || this.#ahead.has(seq)) return 'duplicate';
    return seq === this.#seq + 1 ? 'deliver' : 'gap';
  }

  /**
   * check(), and on 'deliver' records the event as processed. A message id already seen under
   * another seq (the same message again in a new epoch) is processed too but is a 'duplicate'.
   */
  take(event: Sequenced): Verdict {
    const verdict = this.check(event.seq);
    if (verdict !== 'deliver') return verdict;
    this.#mark(event.seq);
    return this.#ids.add(event.id) ? 'deliver' : 'duplicate';
  }

  /**
   * Records an event past a gap that is shown anyway because the gap could not be filled now;
   * the seqs below it stay missing, so a later sync still asks for them.
   */
  takeOutOfOrder(event: Sequenced): 'deliver' | 'duplicate' {
    if (this.check(event.seq) === 'duplicate') return 'duplicate';
    this.#mark(event.seq);
    return this.#ids.add(event.id) ? 'deliver' : 'duplicate';
  }

  /**
   * The device's own message, stored at `seq` (from the reply to its chat request): processed, and
   * possibly ahead of events still on their way. Returns whether a seq below it is still missing.
   */
  markOwn(seq: number, id: string): boolean {
    this.#ids.add(id);
    if (seq > this.#seq) this.#mark(seq);
    return this.hasHole;
  }

  /** Whether a message with this id was processed (within the bounded memory). */
  hasSeen(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Records a message known by id only (one whose seq belongs to an epoch left behind); false when seen already. */
  rememberId(id: string): boolean {
    return this.#ids.add(id);
  }

  /**
   * The log no longer holds anything up to `seq` (trimmed): moves past it and returns how many of
   * those seqs were never processed, i.e. how many messages are lost.
   */
  skipTo(seq: number): number {
    if (seq <= this.#seq) return 0;
    let processed = 0;
    for (const ahead of this.#ahead) {
      if (ahead <= seq) {
        this.#ahead.delete(ahead);
        processed++;
      }
    }
    const missed = seq - this.#seq - processed;
    this.#seq = seq;
    this.#absorb();
    return missed;
  }

  /** The inbox's log was lost and started over under `epoch`: seqs start again at 1; ids are kept. */
  adoptEpoch(epoch: string): void {
    this.#epoch = epoch;
    this.#seq = 0;
    this.#ahead.clear();
  }

  #mark(seq: number): void {
    if (seq === this.#seq + 1) {
      this.#seq = seq;
      this.#absorb();
    } else {
      this.#ahead.add(seq);
    }
  }

  /** Moves #seq over processed seqs that now follow it directly. */
  #absorb(): void {
    while (this.#ahead.delete(this.#seq + 1)) this.#seq++;
  }
}

/** A set of the last `limit` ids added; the oldest are forgotten first. */
export class RecentIds {
  readonly #ids = new Set<string>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.#ids.size;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Returns false when the id was there already. */
  add(id: string): boolean {
    if (this.#ids.has(id)) return false;
    this.#ids.add(id);
    if (this.#ids.size > this.limit) {
      const oldest = this.#ids.values().next();
      if (!oldest.done) this.#ids.delete(oldest.value);
    }
    return true;
  }
}
