/**
 * The work of one generator process: log its users in, set their traffic up, run their closed loops
 * over the window, wait out the grace period, and count what was lost.
 */
import type { LoopContext } from './closed-loop.js';
import { nowMs, type TrafficSpec, type UserSpec } from './ipc.js';
import { logInAll } from './login.js';
import { PairsTraffic } from './pairs-traffic.js';
import { RoomTraffic } from './room-traffic.js';
import { Histogram, zeroCounts, type LoadResult } from './stats.js';
import type { TrafficRun } from './traffic.js';

/** After the window, deliveries may still arrive for this long at most … */
export const GRACE_MAX_MS = 5000;
/** … and the grace period ends early once they have stopped growing for this long. */
export const GRACE_QUIET_MS = 500;
const GRACE_POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class Load {
  #traffic: TrafficRun | null = null;
  readonly #ctx: LoopContext = { startAt: 0, endAt: 0, counts: zeroCounts(), deliveryLatency: new Histogram(), replyLatency: new Histogram() };
  #fatal: (message: string) => void;
  #closing = false;

  constructor(onFatal: (message: string) => void) {
    this.#fatal = onFatal;
  }

  /** Opens, registers and logs in every user, `concurrency` at a time (each login costs a scrypt), then sets the traffic up. */
  async setup(users: readonly UserSpec[], concurrency: number, traffic: TrafficSpec): Promise<void> {
    const conns = await logInAll(users, concurrency, (user, code, reason) => {
      if (!this.#closing) this.#fatal(`${user.username}: server closed the connection (${code} ${reason})`);
    });
    this.#traffic =
      traffic.kind === 'pairs' ? new PairsTraffic(users, conns, this.#ctx) : await RoomTraffic.setup(users, conns, traffic.room, traffic.senders, this.#ctx);
  }

  /**
   * Traffic from warmupAt, counted over the window [startAt, endAt], then the grace period; resolves
   * with this generator's result.
   */
  async run(warmupAt: number, startAt: number, endAt: number): Promise<LoadResult> {
    const traffic = this.#traffic;
    if (!traffic) throw new Error('start before setup');
    const ctx = this.#ctx;
    ctx.startAt = startAt;
    ctx.endAt = endAt;
    await sleep(warmupAt - nowMs());
    ctx.sendingFrom = nowMs();
    traffic.start();
    await sleep(endAt - nowMs());
    const graceMs = await this.#grace(traffic);
    traffic.tally(ctx.counts);
    return { counts: ctx.counts, deliveryLatency: ctx.deliveryLatency, replyLatency: ctx.replyLatency, graceMs };
  }

  close(): void {
    this.#closing = true;
    this.#traffic?.close();
  }

  /** Waits until replies are in and deliveries stopped growing, at most GRACE_MAX_MS after the window. */
  async #grace(traffic: TrafficRun): Promise<number> {
    const { counts, endAt } = this.#ctx;
    const arrived = () => counts.delivered + counts.deliveredLate + counts.duplicated;
    let last = arrived();
    let lastChange = nowMs();
    for (;;) {
      await sleep(GRACE_POLL_MS);
      const now = nowMs();
      if (arrived() !== last) {
        last = arrived();
        lastChange = now;
      }
      if ((!traffic.busy && now - lastChange >= GRACE_QUIET_MS) || now - endAt >= GRACE_MAX_MS) return now - endAt;
    }
  }
}
