/** What a generator's users do once logged in: the pairs traffic (pairs-traffic.ts) or the room traffic (room-traffic.ts). */
import type { Counts } from './stats.js';

export interface TrafficRun {
  /** Opens the window: every sender sends its first message. */
  start(): void;
  /** True while a request or a retry is outstanding (the grace period waits for these). */
  readonly busy: boolean;
  /** After the grace period: adds what was lost and what is still unanswered. */
  tally(counts: Counts): void;
  close(): void;
}
