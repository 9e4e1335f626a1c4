/**
 * What the closed loop counts around the warm-up (BENCH_WARMUP_SECONDS; countArrival, which the room
 * loop shares): a delivery counts towards the rate only when it arrives in the window, and one of a
 * warm-up message is reported apart too.
 */
import test from 'ava';
import { ClosedLoop, type LoopContext } from '../../bench/closed-loop.js';
import type { Connection, Frame } from '../../bench/connection.js';
import { nowMs } from '../../bench/ipc.js';
import { encodePayload } from '../../bench/payload.js';
import { Histogram, zeroCounts } from '../../bench/stats.js';

/** User 0 of a pair; its partner (user 1) "sends" by calling the returned function. */
function loop(startAt: number, endAt: number): { ctx: LoopContext; fromPartner: (counter: number, sentAt: number) => void } {
  const ctx: LoopContext = { startAt, endAt, sendingFrom: Math.min(startAt, nowMs()) - 60_000, counts: zeroCounts(), deliveryLatency: new Histogram(), replyLatency: new Histogram() };
  // Only onEvent is used: the loop is never started, so it sends nothing.
  const conn = { onEvent: () => undefined } as unknown as Connection;
  new ClosedLoop(0, 1, 'partner', conn, ctx);
  const fromPartner = (counter: number, sentAt: number) => {
    const frame: Frame = { action: 'chat', data: { message: encodePayload({ sender: 1, counter, sentAt }) } };
    conn.onEvent(frame);
  };
  return { ctx, fromPartner };
}

test('a delivery that arrives during the warm-up is not counted', (t) => {
  const now = nowMs();
  const { ctx, fromPartner } = loop(now + 60_000, now + 120_000);
  fromPartner(0, now - 10);
  t.like(ctx.counts, { delivered: 0, deliveredOfWarmup: 0, deliveredLate: 0, duplicated: 0 });
  t.is(ctx.deliveryLatency.total, 0);
  fromPartner(0, now - 10);
  t.is(ctx.counts.duplicated, 1, 'but it is remembered: a second copy is a duplicate');
});

test('in the window every delivery counts; one of a warm-up message is also reported apart', (t) => {
  const now = nowMs();
  const { ctx, fromPartner } = loop(now - 1_000, now + 60_000);
  fromPartner(0, now - 2_000); // sent in the warm-up
  fromPartner(1, now - 500); // sent in the window
  t.like(ctx.counts, { delivered: 2, deliveredOfWarmup: 1, deliveredLate: 0 });
  t.is(ctx.deliveryLatency.total, 2);
});
