import type { RoomEvent } from '../protocol/actions.js';

/** This device's requests that change its membership of one room, and what arrived for the room meanwhile. */
interface Pending {
  joins: number;
  leaves: number;
  held: RoomEvent[];
}

export type MembershipChange = 'joins' | 'leaves';

/**
 * The joinRoom and leaveRoom requests of this device still waiting for their answer, by room key.
 * While a join waits, events of a room not followed yet are held for it; the answer says from where
 * the room is followed. Pure bookkeeping, no I/O.
 */
export class MembershipRequests {
  readonly #byRoom = new Map<string, Pending>();

  /** Before a request of this device is sent. */
  begin(key: string, change: MembershipChange): void {
    let pending = this.#byRoom.get(key);
    if (!pending) this.#byRoom.set(key, (pending = { joins: 0, leaves: 0, held: [] }));
    pending[change]++;
  }

  /** Whether a join of the room is on its way. */
  isJoining(key: string): boolean {
    return (this.#byRoom.get(key)?.joins ?? 0) > 0;
  }

  /** Where events of the room wait while a join of it is on its way (undefined: none is). */
  joinWaitingList(key: string): RoomEvent[] | undefined {
    const pending = this.#byRoom.get(key);
    return pending && pending.joins > 0 ? pending.held : undefined;
  }

  /** Whether a join or a leave of the room is on its way: its answer tells of it, not the event. */
  changing(key: string): boolean {
    const pending = this.#byRoom.get(key);
    return pending !== undefined && pending.joins + pending.leaves > 0;
  }

  /** One request was answered or failed; once none is left for the room, returns what arrived meanwhile (else null). */
  settle(key: string, change: MembershipChange): RoomEvent[] | null {
    const pending = this.#byRoom.get(key);
    if (!pending) return null;
    pending[change] = Math.max(0, pending[change] - 1);
    if (pending.joins + pending.leaves > 0) return null;
    this.#byRoom.delete(key);
    return pending.held;
  }
}
