import type { HistoryPage } from '../../protocol/actions.js';
import type { HistoryPosition } from '../storage/message-store.js';
import { formatCursor, isOlder, newestFirst, type HistoryMessage } from './history-order.js';

/**
 * How a page is put together from the recent list, and from the archive when the list cannot answer
 * alone. Pure: the reader does the I/O.
 *
 * The recent list holds the newest pushes of a conversation. Since messages are pushed in ts order,
 * every message newer than the list's oldest ts is in the list (trimming cuts whole pushes from the
 * old end). Messages *at* that ts may have been trimmed already (ties are ordered by id, pushes are
 * not), so they count only together with the archive. A page made only of messages newer than that
 * ts is complete without MongoDB; any other page asks MongoDB for what is older than its last sure
 * message, and merges the answer with the rest of the list by id (the newest messages may not be
 * archived yet; older ones are in both).
 */
export type PagePlan =
  | { complete: true; page: HistoryPage }
  | {
      complete: false;
      /** Newest first: the part of the page the list is sure of. */
      taken: HistoryMessage[];
      /** Ask the archive for messages strictly older than this (null: from the newest). */
      archiveBefore: HistoryPosition | null;
      /** Messages the page still needs; ask the archive for one more, to know whether `next` exists. */
      need: number;
      /** List messages older than `archiveBefore`, newest first, to merge with the archive's. */
      rest: HistoryMessage[];
    };

export function planPage(recent: readonly HistoryMessage[], before: HistoryPosition | null, limit: number): PagePlan {
  const candidates = uniqueById(recent.filter((m) => isOlder(m, before))).sort(newestFirst);
  const oldestTs = recent.reduce((min, m) => Math.min(min, m.ts), Number.POSITIVE_INFINITY);
  const sure = candidates.filter((m) => m.ts > oldestTs);
  // A full page of sure messages leaves the list's oldest message behind it: `next` exists.
  if (sure.length >= limit) return { complete: true, page: toPage(sure.slice(0, limit), true) };
  return { complete: false, taken: sure, archiveBefore: sure.at(-1) ?? before, need: limit - sure.length, rest: candidates.slice(sure.length) };
}

/** The page, once the archive answered `need + 1` (or fewer) messages older than `archiveBefore`, newest first. */
export function finishPage(plan: Extract<PagePlan, { complete: false }>, archived: readonly HistoryMessage[]): HistoryPage {
  const older = uniqueById([...plan.rest, ...archived].filter((m) => isOlder(m, plan.archiveBefore))).sort(newestFirst);
  return toPage([...plan.taken, ...older.slice(0, plan.need)], older.length > plan.need);
}

/** `newest`: the page newest first; it goes out oldest first, `next` pointing at its oldest message. */
function toPage(newest: HistoryMessage[], more: boolean): HistoryPage {
  const oldest = newest.at(-1);
  return { messages: [...newest].reverse(), next: more && oldest ? formatCursor(oldest) : null };
}

function uniqueById(messages: readonly HistoryMessage[]): HistoryMessage[] {
  const seen = new Set<string>();
  return messages.filter((m) => !seen.has(m.id) && (seen.add(m.id), true));
}
