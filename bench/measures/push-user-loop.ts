/**
 * Push-to-user throughput, in a generator: `concurrency` slots, each with one push in flight at a
 * time to this generator's own users (round robin). A push is done once it is acknowledged (HTTP
 * 2xx / XADD) and its user's connection got it, or after PUSH_LOST_AFTER_MS without it: a loop on
 * acknowledgements alone would outrun delivery (the queue especially) without bound.
 */
import type { LoopContext } from '../closed-loop.js';
import { nowMs, type UserSpec } from '../ipc.js';
import type { Counts } from '../stats.js';
import type { PushSender, SendOutcome } from './push-sender.js';

/** An acknowledged push not delivered this long after it was sent frees its slot (it counts as lost unless it arrives later). */
export const PUSH_LOST_AFTER_MS = 5000;

interface InFlight {
  sentAt: number;
  acked: boolean;
  delivered: boolean;
  /** Frees the slot: called on delivery (once acknowledged) or by the lost timer. */
  release: () => void;
}

export class PushUserLoop {
  readonly #pushes = new Map<number, InFlight>();
  #nextKey = 0;
  #unanswered = 0;

  constructor(
    private readonly users: readonly UserSpec[],
    private readonly sender: PushSender,
    private readonly concurrency: number,
    private readonly ctx: LoopContext,
  ) {}

  /** Runs the slots until the window closed and each slot's last push is done. */
  async run(): Promise<void> {
    await Promise.all(Array.from({ length: this.concurrency }, () => this.#slot()));
  }

  /** A push with data `{k: key}` reached the connection of its user. */
  delivered(key: number): void {
    const push = this.#pushes.get(key);
    if (!push) return;
    const now = nowMs();
    const { counts } = this.ctx;
    if (push.delivered) {
      counts.duplicated++;
      return;
    }
    push.delivered = true;
    if (now <= this.ctx.endAt) {
      counts.delivered++;
      this.ctx.deliveryLatency.record(now - push.sentAt);
    } else {
      counts.deliveredLate++;
    }
    if (push.acked) push.release();
  }

  /** After run(): acknowledged pushes never delivered, and requests never answered. */
  tally(counts: Counts): void {
    for (const push of this.#pushes.values()) if (push.acked && !push.delivered) counts.lost++;
    counts.unanswered += this.#unanswered;
  }

  async #slot(): Promise<void> {
    while (nowMs() < this.ctx.endAt) {
      const key = this.#nextKey++;
      const user = this.users[key % this.users.length]!;
      let release: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (release = resolve));
      const push: InFlight = { sentAt: nowMs(), acked: false, delivered: false, release };
      this.#pushes.set(key, push);
      this.ctx.counts.sent++;
      const outcome = await this.sender.send(user.username, key);
      const now = nowMs();
      if (now <= this.ctx.endAt) this.ctx.replyLatency.record(now - push.sentAt);
      if (outcome !== 'acked') {
        this.#count(outcome);
        continue;
      }
      this.ctx.counts.acked++;
      push.acked = true;
      if (push.delivered) continue; // the event came before the answer
      const timer = setTimeout(release, Math.max(0, push.sentAt + PUSH_LOST_AFTER_MS - now));
      await done;
      clearTimeout(timer);
    }
  }

  #count(outcome: Exclude<SendOutcome, 'acked'>): void {
    if (outcome === 'unavailable') this.ctx.counts.unavailable503++;
    else if (outcome === 'refused') this.ctx.counts.otherErrors++;
    else this.#unanswered++;
  }
}
