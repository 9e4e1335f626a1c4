import { isChatEventData, isDeliveredReceipt, type EventData, type InboxEvent } from '../protocol/actions.js';
import { isPlainObject } from '../protocol/schema.js';

/**
 * Checks of the push-related events a server sends: pushes, delivery receipts, online notices and
 * the redirect to the login. What cannot be read is null, never trusted; unknown fields are kept.
 */

export type PushEvent = EventData['push'];

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isNames = (value: unknown): value is string[] => Array.isArray(value) && value.every((name) => typeof name === 'string');

/**
 * A push: `seq` present means it is in the inbox (ordered with the chats), absent means a broadcast.
 * A push without `data` reads as `data: null` (a server sends null; a dropped undefined must not
 * make an inbox event unreadable, which would leave a hole the client keeps asking for).
 */
export function readPush(data: unknown): PushEvent | null {
  if (!isPlainObject(data) || typeof data.id !== 'string' || typeof data.type !== 'string' || typeof data.ts !== 'number') return null;
  if (data.seq !== undefined && !isSeq(data.seq)) return null;
  return { ...data, id: data.id, type: data.type, ts: data.ts, data: data.data ?? null } as PushEvent;
}

/** An inbox event as a sync reply lists it, or null. */
export function readInboxEvent(value: unknown): InboxEvent | null {
  if (!isPlainObject(value)) return null;
  if (value.action === 'chat' && isChatEventData(value.data)) return { action: 'chat', data: value.data };
  if (value.action === 'push') {
    const push = readPush(value.data);
    if (push && push.seq !== undefined) return { action: 'push', data: { ...push, seq: push.seq } };
  }
  if (value.action === 'delivered') {
    const receipt = readDelivered(value.data);
    if (receipt && receipt.seq !== undefined) return { action: 'delivered', data: { id: receipt.id, to: receipt.to, seq: receipt.seq } };
  }
  return null;
}

export function readDelivered(data: unknown): EventData['delivered'] | null {
  if (!isDeliveredReceipt(data)) return null;
  const { seq } = data as { seq?: unknown };
  if (seq === undefined) return { id: data.id, to: data.to };
  return isSeq(seq) ? { id: data.id, to: data.to, seq } : null;
}

export function readOnline(data: unknown): EventData['online'] | null {
  if (!isPlainObject(data) || !Number.isSafeInteger(data.count)) return null;
  const joined = data.joined ?? [];
  const left = data.left ?? [];
  return isNames(joined) && isNames(left) ? { count: data.count as number, joined, left } : null;
}

/** The reason of a redirectToLogin; a missing one reads as an empty string (the frame still counts). */
export function readRedirect(data: unknown): EventData['redirectToLogin'] {
  return { reason: isPlainObject(data) && typeof data.reason === 'string' ? data.reason : '' };
}
