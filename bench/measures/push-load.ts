/**
 * The push measures' work in a generator process: hold logged-in connections and record every push
 * they get (broadcasts by id, pushes to users by their `{k}` data), and run the push-to-user loop.
 */
import { Connection, errorOf, type Frame } from '../connection.js';
import { nowMs, type FromGenerator, type UserSpec } from '../ipc.js';
import { progress, withConcurrency } from '../login.js';
import { Histogram, toData, zeroCounts, type LoadResult } from '../stats.js';
import type { LoopContext } from '../closed-loop.js';
import { BroadcastArrivals } from './push-broadcast-arrivals.js';
import { BROADCAST_TYPE, USER_PUSH_TYPE, type PushToGenerator } from './push-ipc.js';
import { pushSender } from './push-sender.js';
import { PushUserLoop } from './push-user-loop.js';

/** After the logins, `ready` waits until no frame came for this long (zkchat's `online` events of the logins) … */
const QUIET_MS = 500;
/** … but at most this long. */
const QUIET_MAX_MS = 30_000;
/**
 * How zkchat's `online` events start. After thousands of logins each carries thousands of names to
 * every connection: the generator drops them unparsed, its CPU is for the pushes.
 */
const ONLINE_EVENT = Buffer.from('{"v":1,"action":"online"');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export class PushLoad {
  #users: UserSpec[] = [];
  readonly #conns: Connection[] = [];
  #broadcasts = new BroadcastArrivals(0);
  #userLoop: PushUserLoop | null = null;
  #lastFrameAt = 0;
  #closing = false;

  constructor(private readonly onFatal: (message: string) => void) {}

  async handle(message: PushToGenerator): Promise<FromGenerator> {
    switch (message.type) {
      case 'pushSetup': {
        const started = performance.now();
        await this.#setup(message.users, message.loginConcurrency);
        return { type: 'ready', loginMs: performance.now() - started };
      }
      case 'awaitBroadcast':
        return { type: 'broadcastArrivals', id: message.id, times: await this.#broadcasts.wait(message.id, message.timeoutMs) };
      case 'tallyBroadcasts':
        return { type: 'broadcastTally', ...this.#broadcasts.tally() };
      case 'pushToUsers':
        return { type: 'result', result: toData(await this.#pushToUsers(message)) };
    }
  }

  close(): void {
    this.#closing = true;
    for (const conn of this.#conns) conn.close();
  }

  async #setup(users: UserSpec[], concurrency: number): Promise<void> {
    this.#users = users;
    this.#broadcasts = new BroadcastArrivals(users.length);
    const report = progress('logged in', users.length);
    await withConcurrency(users, concurrency, async (user) => {
      const conn = await Connection.open(user.url);
      conn.onClose = (code, reason) => {
        if (!this.#closing) this.onFatal(`${user.username}: server closed the connection (${code} ${reason})`);
      };
      conn.onFrameBytes = (raw) => {
        this.#lastFrameAt = performance.now();
        return raw.length >= ONLINE_EVENT.length && ONLINE_EVENT.equals(raw.subarray(0, ONLINE_EVENT.length));
      };
      conn.onEvent = (frame) => this.#event(user.index, frame);
      const login = await conn.requestAsync('login', { username: user.username, password: user.password });
      const error = errorOf(login);
      if (error) throw new Error(`login ${user.username}: ${error.code} ${error.message}`);
      this.#conns.push(conn);
      report(this.#conns.length);
    });
    const deadline = performance.now() + QUIET_MAX_MS;
    while (performance.now() < deadline && performance.now() - this.#lastFrameAt < QUIET_MS) await sleep(QUIET_MS / 5);
  }

  /** One window of the push-to-user loop over this generator's users; its counts after the loop ended. */
  async #pushToUsers(message: Extract<PushToGenerator, { type: 'pushToUsers' }>): Promise<LoadResult> {
    const { startAt, endAt, concurrency } = message;
    const ctx: LoopContext = { startAt, endAt, counts: zeroCounts(), deliveryLatency: new Histogram(), replyLatency: new Histogram() };
    const sender = pushSender(message.transport, concurrency);
    const loop = new PushUserLoop(this.#users, sender, concurrency, ctx);
    this.#userLoop = loop;
    await sleep(startAt - nowMs());
    try {
      await loop.run();
    } finally {
      sender.close();
    }
    loop.tally(ctx.counts);
    return { counts: ctx.counts, deliveryLatency: ctx.deliveryLatency, replyLatency: ctx.replyLatency, graceMs: Math.max(0, nowMs() - endAt) };
  }

  #event(connection: number, frame: Frame): void {
    if (frame.action !== 'push') return;
    const push = frame.data as { id?: unknown; type?: unknown; data?: unknown };
    if (push.type === BROADCAST_TYPE && typeof push.id === 'string') this.#broadcasts.record(push.id, connection);
    else if (push.type === USER_PUSH_TYPE) {
      const key = (push.data as { k?: unknown } | null)?.k;
      if (typeof key === 'number') this.#userLoop?.delivered(key);
    }
  }
}
