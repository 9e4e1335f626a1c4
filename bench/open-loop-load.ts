/**
 * The open-loop work of one generator process: log its users (whole pairs) in once, then run one
 * window per rate that main asks for (open-setup → ready, open-window → open-result), each with its
 * own counts and histograms and a grace period that waits for the window's messages to settle.
 */
import type { Connection } from './connection.js';
import { nowMs, type UserSpec } from './ipc.js';
import { logInAll } from './login.js';
import { OpenLoopUser, sendOnSchedule, type OpenWindow } from './open-loop.js';
import { Histogram, toData, zeroCounts, type LoadResultData } from './stats.js';

/**
 * After the window, replies and deliveries may still arrive for this long at most. Longer than the
 * closed loop's grace: a server that could not keep up with the rate has a queue to work off, and
 * what it delivers late is queueing, not loss.
 */
export const OPEN_GRACE_MAX_MS = 10_000;
const GRACE_POLL_MS = 20;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface OpenWindowResult {
  result: LoadResultData;
  sendLag: number[];
}

function pairUp(users: readonly UserSpec[], conns: ReadonlyMap<number, Connection>): OpenLoopUser[] {
  const loops = users.map((user) => new OpenLoopUser(user.index, user.username, conns.get(user.index)!));
  const byIndex = new Map(loops.map((u) => [u.index, u]));
  for (const user of loops) {
    const partner = byIndex.get(user.index ^ 1); // 2k ↔ 2k+1
    if (!partner) throw new Error(`user ${user.index} came without its partner ${user.index ^ 1}`);
    OpenLoopUser.pair(user, partner);
  }
  return loops;
}

export class OpenLoopLoad {
  #users: OpenLoopUser[] = [];
  readonly #fatal: (message: string) => void;
  #closing = false;

  constructor(onFatal: (message: string) => void) {
    this.#fatal = onFatal;
  }

  /** Logs the users in without registering them: main stored them (open-loop-run.ts), and the raw relay needs no account. */
  async setup(users: readonly UserSpec[], concurrency: number): Promise<void> {
    const onClose = (user: UserSpec, code: number, reason: string) => {
      if (!this.#closing) this.#fatal(`${user.username}: server closed the connection (${code} ${reason})`);
    };
    const conns = await logInAll(users, concurrency, onClose, false);
    this.#users = pairUp(users, conns);
  }

  /** Sends at `ratePerSec` over [startAt, endAt), then waits out the grace period and counts what was lost. */
  async window(startAt: number, endAt: number, ratePerSec: number): Promise<OpenWindowResult> {
    if (this.#users.length === 0) throw new Error('open-window before open-setup');
    const w: OpenWindow = {
      startAt,
      endAt,
      counts: zeroCounts(),
      deliveryLatency: new Histogram(),
      replyLatency: new Histogram(),
      sendLag: new Histogram(),
      unsettled: 0,
      arrived: 0,
    };
    for (const user of this.#users) user.enter(w);
    await sleep(startAt - nowMs());
    await sendOnSchedule(this.#users, w, ratePerSec);
    // Settled: every message has its final reply and every acked one has arrived (or the grace ran out).
    while ((w.unsettled > 0 || w.arrived < w.counts.acked) && nowMs() - endAt < OPEN_GRACE_MAX_MS) await sleep(GRACE_POLL_MS);
    const graceMs = Math.max(0, nowMs() - endAt);
    for (const user of this.#users) w.counts.lost += user.lost;
    w.counts.unanswered = w.unsettled;
    const result = toData({ counts: w.counts, deliveryLatency: w.deliveryLatency, replyLatency: w.replyLatency, graceMs });
    return { result, sendLag: w.sendLag.counts };
  }

  close(): void {
    this.#closing = true;
    for (const user of this.#users) user.conn.close();
  }
}
