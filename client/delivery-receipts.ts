import type { EventData } from '../protocol/actions.js';
import { RecentIds } from './inbox-cursor.js';

/** Own messages remembered for their receipts, and receipts remembered so that each shows once. */
export const RECEIPTS_REMEMBERED = 1000;

/**
 * The ✓✓ of own private messages: remembers the text of what this user sent (from this device or
 * another) by message id, so that a `delivered` event can quote it, and shows each message's
 * receipt once however many devices of the recipient acknowledge it.
 */
export class DeliveryReceipts {
  readonly #sent = new Map<string, string>();
  readonly #shown: RecentIds;

  constructor(private readonly limit = RECEIPTS_REMEMBERED) {
    this.#shown = new RecentIds(limit);
  }

  /** An own message the server stored. */
  sent(id: string, message: string): void {
    this.#sent.delete(id);
    this.#sent.set(id, message);
    if (this.#sent.size > this.limit) this.#sent.delete(this.#sent.keys().next().value as string);
  }

  /** What to show for a receipt: the message's text (null: not known here), or undefined when it was shown already. */
  delivered(event: EventData['delivered']): { message: string | null } | undefined {
    if (!this.#shown.add(event.id)) return undefined;
    const message = this.#sent.get(event.id) ?? null;
    this.#sent.delete(event.id);
    return { message };
  }
}
