/** The pairs traffic: user 2k and 2k+1 send to each other, each in a closed loop (closed-loop.ts). */
import { ClosedLoop, type LoopContext } from './closed-loop.js';
import type { Connection } from './connection.js';
import type { UserSpec } from './ipc.js';
import type { Counts } from './stats.js';
import type { TrafficRun } from './traffic.js';

export class PairsTraffic implements TrafficRun {
  readonly #loops: ClosedLoop[] = [];

  constructor(users: readonly UserSpec[], conns: ReadonlyMap<number, Connection>, ctx: LoopContext) {
    const byIndex = new Map(users.map((u) => [u.index, u]));
    for (const user of users) {
      const partnerIndex = user.index ^ 1; // 2k ↔ 2k+1
      const partner = byIndex.get(partnerIndex);
      if (!partner) throw new Error(`user ${user.index} came without its partner ${partnerIndex}`);
      this.#loops.push(new ClosedLoop(user.index, partnerIndex, partner.username, conns.get(user.index)!, ctx));
    }
  }

  start(): void {
    for (const loop of this.#loops) loop.start();
  }

  get busy(): boolean {
    return this.#loops.some((l) => l.busy);
  }

  tally(counts: Counts): void {
    const byIndex = new Map(this.#loops.map((l) => [l.index, l]));
    for (const loop of this.#loops) {
      counts.lost += loop.lostAt(byIndex.get(loop.partnerIndex)!);
      counts.unanswered += loop.conn.pending;
    }
  }

  close(): void {
    for (const loop of this.#loops) loop.conn.close();
  }
}
