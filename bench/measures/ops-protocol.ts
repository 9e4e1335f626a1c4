/**
 * What main asks the generator processes for in the operations measures, and what they answer
 * (inside the `ops` / `opsReply` messages of bench/ipc.ts). A generator keeps its users between
 * requests: `connect` first, then `resume`, `back` or `failover` on the same users.
 */

export interface OpsUser {
  /** Global index: in the failover traffic, user 2k and 2k+1 are a pair (both in one generator). */
  index: number;
  username: string;
  password: string;
  /** ws:// address of the server it connects to first. */
  url: string;
}

/** How a connection starts: plain (opened, nothing sent) or logged in with the password. */
export type OpsAuth = 'none' | 'login';

/** The failover load of one generator (times in ms, nowMs() of bench/ipc.ts). */
export interface FailoverPlan {
  startAt: number;
  /** When main kills the leader. */
  killAt: number;
  /** The load goes on this long after every user of the generator received a message sent after the kill … */
  afterMs: number;
  /** … and stops at this time at the latest. */
  endBy: number;
  /** Messages per second a user sends at most (one outstanding at a time). */
  ratePerUser: number;
  /** After the load: how long unacked messages are resent and the final syncs may take. */
  drainMs: number;
}

/** How the connections the servers dropped came back. */
export interface ReconnectTally {
  /** Connections the server side closed or lost. */
  dropped: number;
  /** Users logged in again after their drop … */
  back: number;
  /** … with their resume token … */
  resumed: number;
  /** … or with the password, after the token was refused. */
  passwordLogins: number;
  /** Reconnect attempts in all, failed ones included. */
  attempts: number;
  firstDropAt: number | null;
  lastBackAt: number | null;
  /** Node id → users that came back there. */
  nodes: Record<string, number>;
  /** Failed reconnect attempts by the step that failed: 'gateway' (no node named), 'connect', 'resume'. */
  failures: Record<string, number>;
}

export interface FailoverResult {
  sent: number;
  acked: number;
  /** Sent and never acknowledged, after the drain. */
  unacked: number;
  /** Partner messages received, each once. */
  delivered: number;
  /** … of them through `sync` rather than live. */
  deliveredBySync: number;
  /** Acknowledged and never received by the partner, after the final sync. */
  lost: number;
  /** Frames (live events and sync events) carrying a message id this user had received already. */
  duplicatesRaw: number;
  /** Messages the client handed on twice after its dedup by seq and id (must be 0). */
  duplicatesAfterDedup: number;
  /** Latest delivery before the kill, and earliest delivery of a message sent after it. */
  lastBeforeKillAt: number | null;
  firstAfterKillAt: number | null;
  /** Earliest live delivery (not through sync) of a message sent after the kill: when relaying worked again. */
  firstLiveAfterKillAt: number | null;
  /** When the last user got its first message sent after the kill (null: some user never did). */
  allRecoveredAt: number | null;
  /** Users that never got a message sent after the kill. */
  notReceivingAgain: number;
  /** Error replies other than 503/429 (counted; the next message follows). */
  errors: number;
  /** Catch-ups the client gave up, and messages it reported lost for good (trimmed logs). */
  syncFailures: number;
  gaps: number;
  reconnects: ReconnectTally;
}

export type OpsRequest =
  /**
   * Opens a connection per user, `concurrency` at a time, logged in or plain. With `gateway` (http://),
   * a connection the server drops comes back by itself: the gateway names a node, the user resumes.
   */
  | { kind: 'connect'; users: OpsUser[]; auth: OpsAuth; concurrency: number; gateway: string | null }
  /** Closes every connection, then opens each user's again at its url and resumes with its token. */
  | { kind: 'resume'; concurrency: number }
  /** Waits until every user lost its connection and is logged in again, `timeoutMs` at most. */
  | { kind: 'back'; timeoutMs: number }
  /** Pairs traffic among this generator's users across the kill of the leader. */
  | { kind: 'failover'; plan: FailoverPlan }
  /** Closes every connection. */
  | { kind: 'disconnect' };

export type OpsReply =
  | { kind: 'connect'; opened: number; loggedIn: number; startedAt: number; doneAt: number }
  | { kind: 'resume'; resumed: number; passwordLogins: number; startedAt: number; doneAt: number }
  | { kind: 'back'; tally: ReconnectTally; complete: boolean }
  | { kind: 'failover'; result: FailoverResult }
  | { kind: 'disconnect' };
