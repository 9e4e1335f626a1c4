/**
 * The room traffic: every user of the generator is a member of one room; users 0 … senders-1 send
 * to it (room-loop.ts), every other member receives. Set-up creates the room, joins everyone, and
 * ends with a roll-call round that every member must receive, so the window starts on a quiet room
 * whose every member is known to get messages.
 */
import { errorOf, type Connection, type Frame } from './connection.js';
import type { LoopContext } from './closed-loop.js';
import { nowMs, type UserSpec } from './ipc.js';
import { progress, withConcurrency } from './login.js';
import { RoomMember, RoomSender, ROLL_CALL_PREFIX } from './room-loop.js';
import type { Counts } from './stats.js';
import type { TrafficRun } from './traffic.js';

/** Joins at once. zkchat announces each join to the members so far: N joins are N²/2 events. */
const JOIN_CONCURRENCY = 16;
/** How long every member gets to receive the roll-call round (behind the backlog of join events). */
const ROLL_CALL_TIMEOUT_MS = 180_000;
/** After the roll call: no event at all for this long, and the room counts as quiet. */
const QUIET_MS = 500;
const POLL_MS = 50;
const STALL_CHECK_MS = 250;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function request(conn: Connection, action: string, data: unknown, what: string): Promise<Frame> {
  const frame = await conn.requestAsync(action, data);
  const error = errorOf(frame);
  if (error) throw new Error(`${what}: ${error.code} ${error.message}`);
  return frame;
}

export class RoomTraffic implements TrafficRun {
  #lastEventAt = nowMs();
  #stallTimer: NodeJS.Timeout | null = null;
  readonly #members: RoomMember[];

  private constructor(
    readonly room: string,
    readonly senders: readonly RoomSender[],
    conns: readonly Connection[],
    ctx: LoopContext,
  ) {
    this.#members = conns.map((conn, i) => new RoomMember(i, conn, senders, ctx, () => (this.#lastEventAt = nowMs())));
  }

  /** Creates the room (user 0), joins every other user, and waits until the roll call reached everyone. */
  static async setup(users: readonly UserSpec[], conns: ReadonlyMap<number, Connection>, room: string, senderCount: number, ctx: LoopContext): Promise<RoomTraffic> {
    // Member i is user i: the senders' indices in the payloads index the members' tables.
    const ordered = users.map((u, i) => {
      if (u.index !== i) throw new Error(`room traffic needs users 0 … ${users.length - 1} in one generator, got user ${u.index} at ${i}`);
      return conns.get(i)!;
    });
    const senders = ordered.slice(0, senderCount).map((conn, i) => new RoomSender(i, conn, room, ordered.length - 1, ctx));
    const traffic = new RoomTraffic(room, senders, ordered, ctx);
    await request(ordered[0]!, 'createRoom', { name: room }, `createRoom ${room}`);
    const report = progress(`joined room ${room}`, ordered.length);
    let joined = 1;
    await withConcurrency(users.slice(1), JOIN_CONCURRENCY, async (user) => {
      await request(ordered[user.index]!, 'joinRoom', { room }, `${user.username}: joinRoom ${room}`);
      report(++joined);
    });
    await traffic.#rollCall();
    return traffic;
  }

  start(): void {
    for (const sender of this.senders) sender.start();
    this.#stallTimer = setInterval(() => {
      const now = nowMs();
      for (const sender of this.senders) sender.checkStall(now);
    }, STALL_CHECK_MS);
  }

  get busy(): boolean {
    return this.senders.some((s) => s.busy);
  }

  tally(counts: Counts): void {
    this.#stopStallTimer();
    for (const member of this.#members) {
      for (const sender of this.senders) counts.lost += member.lostOf(sender);
      counts.unanswered += member.conn.pending;
    }
  }

  close(): void {
    this.#stopStallTimer();
    for (const member of this.#members) member.conn.close();
  }

  #stopStallTimer(): void {
    if (this.#stallTimer) clearInterval(this.#stallTimer);
    this.#stallTimer = null;
  }

  /**
   * Each sender sends one roll-call message; every other member must get all of them. They come after
   * the join events (one log, one order), so once they are in, the backlog of set-up is gone too.
   */
  async #rollCall(): Promise<void> {
    await Promise.all(this.senders.map((s) => request(s.conn, 'roomChat', { room: this.room, message: `${ROLL_CALL_PREFIX}${s.index}` }, 'roll-call roomChat')));
    const expected = (m: RoomMember) => this.senders.length - (m.index < this.senders.length ? 1 : 0);
    const deadline = nowMs() + ROLL_CALL_TIMEOUT_MS;
    const report = progress('members with every roll-call message', this.#members.length);
    for (;;) {
      const ready = this.#members.filter((m) => m.rollCalls >= expected(m)).length;
      report(ready);
      if (ready === this.#members.length) break;
      if (nowMs() > deadline) throw new Error(`roll call: only ${ready} of ${this.#members.length} members got every roll-call message within ${ROLL_CALL_TIMEOUT_MS / 1000} s`);
      await sleep(POLL_MS);
    }
    while (nowMs() - this.#lastEventAt < QUIET_MS) await sleep(POLL_MS);
  }
}
