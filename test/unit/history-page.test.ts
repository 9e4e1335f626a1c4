import test from 'ava';
import type { ChatMessage, HistoryPage } from '../../protocol/actions.js';
import { compareKeys, formatCursor, isOlder, newestFirst, parseCursor, type HistoryMessage } from '../../src/history/history-order.js';
import { finishPage, planPage } from '../../src/history/history-page.js';
import type { HistoryPosition } from '../../src/storage/message-store.js';

/** Deterministic randomness, so a failure can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const msg = (ts: number, id: string): ChatMessage => ({ id, from: 'a', to: 'b', message: `${ts}/${id}`, format: 'text', ts });

/** What the Redis list and MongoDB hold after `pushes` (in push order) with a list of `recent` and an archive `lag` behind. */
function storage(pushes: ChatMessage[], recent: number, lag: number): { list: ChatMessage[]; archived: ChatMessage[] } {
  let list: ChatMessage[] = [];
  for (const m of pushes) {
    list.unshift(m); // LPUSH
    if (list.length > 2 * recent) list = list.slice(0, recent); // LTRIM 0 recent-1
  }
  return { list, archived: pushes.slice(0, pushes.length - lag) };
}

/** The reader's flow, with MongoDB as an array (or a store that must not be asked). */
function page(list: ChatMessage[], archived: ChatMessage[] | null, before: HistoryPosition | null, limit: number): HistoryPage {
  const plan = planPage(list, before, limit);
  if (plan.complete) return plan.page;
  if (archived === null) throw new Error('MongoDB was asked');
  const rows = archived.filter((m) => isOlder(m, plan.archiveBefore)).sort(newestFirst).slice(0, plan.need + 1);
  return finishPage(plan, rows);
}

function pageThrough(list: ChatMessage[], archived: ChatMessage[], limit: number): HistoryPage[] {
  const pages: HistoryPage[] = [];
  let before: HistoryPosition | null = null;
  for (;;) {
    const p = page(list, archived, before, limit);
    pages.push(p);
    if (p.next === null) return pages;
    before = parseCursor(p.next);
    if (pages.length > 10_000) throw new Error('no end');
  }
}

test('paging through any mix of recent list, trimming, ties and archive lag returns every message once, in order', (t) => {
  for (let seed = 1; seed <= 400; seed++) {
    const rnd = random(seed);
    const count = Math.floor(rnd() * 60);
    const recent = 1 + Math.floor(rnd() * 8);
    const limit = 1 + Math.floor(rnd() * 7);
    let ts = 1_000;
    const pushes: ChatMessage[] = [];
    for (let i = 0; i < count; i++) {
      if (rnd() < 0.5) ts += 1; // else a tie with the one before, and ids are not in push order
      pushes.push(msg(ts, Math.floor(rnd() * 0xffffff).toString(16).padStart(6, '0') + `-${i}`));
    }
    const { list } = storage(pushes, recent, 0);
    // The archive may lag behind by anything the list still holds.
    const lag = Math.floor(rnd() * (list.length + 1));
    const pages = pageThrough(list, pushes.slice(0, pushes.length - lag), limit);
    const what = `seed ${seed}: ${count} messages, list ${list.length}, lag ${lag}, limit ${limit}`;
    const seen = pages
      .slice()
      .reverse()
      .flatMap((p) => p.messages);
    t.deepEqual(seen.map((m) => m.id), [...pushes].sort(compareKeys).map((m) => m.id), what);
    t.true(pages.slice(0, -1).every((p) => p.messages.length === limit), `${what}: every page but the last is full`);
    t.true(count === 0 || (pages.at(-1)?.messages.length ?? 0) > 0, `${what}: no empty last page`);
  }
});

test('a page of messages the list is sure of does not ask MongoDB', (t) => {
  const pushes = Array.from({ length: 12 }, (_, i) => msg(1000 + i, `m${String(i).padStart(2, '0')}`));
  // A list of 5 is cut back to 5 at the 11th push; the 12th makes 6.
  const { list } = storage(pushes, 5, 0);
  t.deepEqual(list.map((m) => m.id), ['m11', 'm10', 'm09', 'm08', 'm07', 'm06']);
  const first = page(list, null, null, 4);
  t.deepEqual(first.messages.map((m) => m.id), ['m08', 'm09', 'm10', 'm11']);
  t.is(first.next, formatCursor(pushes[8]!));
  // The next 4 reach the list's oldest message, whose ts is not sure: MongoDB is needed.
  t.throws(() => page(list, null, parseCursor(first.next!), 4), { message: 'MongoDB was asked' });
  const second = page(list, pushes, parseCursor(first.next!), 4);
  t.deepEqual(second.messages.map((m) => m.id), ['m04', 'm05', 'm06', 'm07']);
});

test('a tie trimmed from the list is found in MongoDB: pushes of one ts are not in id order', (t) => {
  // Same ts: 'b' is pushed first and trimmed, 'a' stays; by (ts, id) 'b' is the newer one.
  const pushes = [msg(1, 'x'), msg(2, 'b'), msg(2, 'a'), msg(3, 'c'), msg(4, 'd')];
  const list = [pushes[4]!, pushes[3]!, pushes[2]!];
  const seen = pageThrough(list, pushes, 2)
    .reverse()
    .flatMap((p) => p.messages.map((m) => m.id));
  t.deepEqual(seen, ['x', 'a', 'b', 'c', 'd']);
});

test('messages not archived yet come from the list, and ones in both are returned once', (t) => {
  const pushes = Array.from({ length: 6 }, (_, i) => msg(10 + i, `m${i}`));
  const pages = pageThrough(pushes.slice().reverse(), pushes.slice(0, 3), 10);
  t.is(pages.length, 1);
  t.deepEqual(pages[0]!.messages.map((m) => m.id), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  t.is(pages[0]!.next, null);
});

test('an empty conversation is one empty page', (t) => {
  t.deepEqual(page([], [], null, 5), { messages: [], next: null });
});

test('room and private messages page alike', (t) => {
  const room: HistoryMessage[] = [3, 2, 1].map((ts) => ({ id: `r${ts}`, room: 'lobby', from: 'a', message: 'hi', format: 'text', ts }));
  const plan = planPage(room, null, 2);
  t.true(plan.complete);
  if (plan.complete) t.deepEqual(plan.page.messages.map((m) => m.id), ['r2', 'r3']);
});
