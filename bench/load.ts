/**
 * The work of one generator process: log its users in, run their closed loops over the window,
 * wait out the grace period, and count what was lost.
 */
import { ClosedLoop, type LoopContext } from './closed-loop.js';
import { Connection, errorOf } from './connection.js';
import { nowMs, type UserSpec } from './ipc.js';
import { Histogram, zeroCounts, type LoadResult } from './stats.js';

/** After the window, deliveries may still arrive for this long at most … */
export const GRACE_MAX_MS = 5000;
/** … and the grace period ends early once they have stopped growing for this long. */
export const GRACE_QUIET_MS = 500;
const GRACE_POLL_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Runs `work` over `items` with at most `limit` at a time; the first failure rejects. */
async function withConcurrency<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function logIn(user: UserSpec): Promise<Connection> {
  const conn = await Connection.open(user.url);
  const credentials = { username: user.username, password: user.password };
  const registered = await conn.requestAsync('register', credentials);
  const regError = errorOf(registered);
  // 409: the name exists already (a rerun with the same tag); its password is ours all the same.
  if (regError && regError.code !== 409) throw new Error(`register ${user.username}: ${regError.code} ${regError.message}`);
  const login = await conn.requestAsync('login', credentials);
  const loginError = errorOf(login);
  if (loginError) throw new Error(`login ${user.username}: ${loginError.code} ${loginError.message}`);
  return conn;
}

export class Load {
  readonly #loops: ClosedLoop[] = [];
  readonly #ctx: LoopContext = { startAt: 0, endAt: 0, counts: zeroCounts(), deliveryLatency: new Histogram(), replyLatency: new Histogram() };
  #fatal: (message: string) => void;
  #closing = false;

  constructor(onFatal: (message: string) => void) {
    this.#fatal = onFatal;
  }

  /** Opens, registers and logs in every user, `concurrency` at a time (each login costs a scrypt). */
  async setup(users: readonly UserSpec[], concurrency: number): Promise<void> {
    const byIndex = new Map(users.map((u) => [u.index, u]));
    const conns = new Map<number, Connection>();
    await withConcurrency(users, concurrency, async (user) => {
      const conn = await logIn(user);
      conn.onClose = (code, reason) => {
        if (!this.#closing) this.#fatal(`${user.username}: server closed the connection (${code} ${reason})`);
      };
      conns.set(user.index, conn);
    });
    for (const user of users) {
      const partnerIndex = user.index ^ 1; // 2k ↔ 2k+1
      const partner = byIndex.get(partnerIndex);
      if (!partner) throw new Error(`user ${user.index} came without its partner ${partnerIndex}`);
      this.#loops.push(new ClosedLoop(user.index, partnerIndex, partner.username, conns.get(user.index)!, this.#ctx));
    }
  }

  /** The window [startAt, endAt], then the grace period; resolves with this generator's result. */
  async run(startAt: number, endAt: number): Promise<LoadResult> {
    const ctx = this.#ctx;
    ctx.startAt = startAt;
    ctx.endAt = endAt;
    await sleep(startAt - nowMs());
    for (const loop of this.#loops) loop.start();
    await sleep(endAt - nowMs());
    const graceMs = await this.#grace();
    const byIndex = new Map(this.#loops.map((l) => [l.index, l]));
    for (const loop of this.#loops) {
      ctx.counts.lost += loop.lostAt(byIndex.get(loop.partnerIndex)!);
      ctx.counts.unanswered += loop.conn.pending;
    }
    return { counts: ctx.counts, deliveryLatency: ctx.deliveryLatency, replyLatency: ctx.replyLatency, graceMs };
  }

  close(): void {
    this.#closing = true;
    for (const loop of this.#loops) loop.conn.close();
  }

  /** Waits until replies are in and deliveries stopped growing, at most GRACE_MAX_MS after the window. */
  async #grace(): Promise<number> {
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
      const idle = this.#loops.every((l) => !l.busy);
      if ((idle && now - lastChange >= GRACE_QUIET_MS) || now - endAt >= GRACE_MAX_MS) return now - endAt;
    }
  }
}
