import type { Logger } from '../core/logger.js';
import type { ChatEventData, EventData, ReplyData, RoomEvent } from '../protocol/actions.js';
import type { BackoffOptions } from './backoff.js';
import type { RoomPosition } from './room-cursors.js';

export interface ChatClientOptions {
  /** Where to reconnect to; asked before every attempt, so a gateway lookup can slot in. Default: the URL given to connect(). */
  resolveUrl?: () => Promise<string>;
  /** How long a request waits for its answer. */
  requestTimeoutMs?: number;
  /** How long opening a WebSocket may take. */
  connectTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Requests waiting for an answer at once; more fail at once. */
  maxPendingRequests?: number;
  /** Unsent bytes tolerated before the connection counts as stuck. */
  maxBufferedBytes?: number;
  /** Interval of our own WebSocket pings (default ZKCHAT_PING_INTERVAL_MS's, 3 s). 0 turns them off. */
  heartbeatMs?: number;
  /**
   * Silence (no pong, no frame) after which the connection is dropped and re-established.
   * Default: ZKCHAT_PONG_TIMEOUT_MS's (8 s), or twice `heartbeatMs` when only that is given.
   */
  heartbeatTimeoutMs?: number;
  logger?: Logger;
  random?: () => number;
  /** At the first login, how many of the inbox's newest events to show (as 'backlog'); later ones are synced from where this client stood. Default 0. */
  backlog?: number;
  /** Events asked for per sync request (the server's limit is 1000). */
  syncPageSize?: number;
  /** Tries of a sync that fails (503, no answer) before the client gives up until the next trigger; delays follow `backoff`. */
  syncAttempts?: number;
  /**
   * Whether to acknowledge the inbox (`ack {seq}`, coalesced, at most once per `ackIntervalMs`) once
   * its events were emitted, so that senders learn their messages were delivered. Default false.
   */
  acks?: boolean;
  /** Default 200. */
  ackIntervalMs?: number;
}

/** How an event reached the application. */
export interface ChatDelivery {
  /** 'live': pushed as it happened; 'sync': recovered after a gap or a reconnect; 'backlog': shown at the first login, from before it. */
  source: 'live' | 'sync' | 'backlog';
}

/** Messages that could not be recovered. */
export interface GapInfo {
  /** 'trimmed': the log no longer reaches back that far; 'reset': the log was lost and started over (new epoch). */
  reason: 'trimmed' | 'reset';
  /** How many messages are lost, when that is known. */
  missed: number | null;
}

/** The client has every event of its inbox up to `seq`. */
export interface SyncedInfo {
  epoch: string;
  seq: number;
  /** Events this catch-up emitted from sync replies. */
  delivered: number;
}

/** Room messages that could not be recovered. */
export interface RoomGapInfo extends GapInfo {
  room: string;
}

/** Every room the client follows is complete up to its `seq`. */
export interface RoomsSyncedInfo {
  /** By room key. */
  rooms: Record<string, RoomPosition>;
  /** Events this catch-up emitted from sync replies. */
  delivered: number;
}

export interface DisconnectInfo {
  code: number;
  reason: string;
  willReconnect: boolean;
}

/** Events of a ChatClient, with their arguments. */
export interface ChatClientEvents {
  /** Each event of the inbox once, in seq order (own messages sent from this client excepted: their reply says it all). */
  chat: [ChatEventData, ChatDelivery];
  /**
   * A push from the back office. With `seq` it is an event of the inbox, emitted once in seq order
   * with the chats (live, 'sync' or 'backlog'); without it is a broadcast (always 'live').
   */
  push: [EventData['push'], ChatDelivery];
  /**
   * A device of `to` acknowledged the private message `id` this user sent. With `seq` it is an event
   * of the inbox, emitted once in seq order (live, 'sync' or 'backlog'); without (a server that does
   * not store receipts) it is always 'live'.
   */
  delivered: [EventData['delivered'], ChatDelivery];
  /** Users came online or went offline (coalesced by the server); `count` is how many are online now. */
  online: [EventData['online']];
  /** The back office removed or logged out this account: the client will not reconnect (the close 4500 follows). */
  redirectToLogin: [EventData['redirectToLogin']];
  /** Some messages are lost for good; the client goes on with what the log still holds. */
  gap: [GapInfo];
  /** A catch-up (after a login, a gap or an own message ahead of events) finished: nothing is missing. */
  synced: [SyncedInfo];
  /** A catch-up (of the inbox, or of rooms) failed after its retries; the events held back are shown, and the next login or gap tries again. */
  syncFailed: [{ message: string }];
  /**
   * Each event of each room the user is in once, in seq order per room (the device's own messages
   * and its own joins and leaves excepted: their replies say it all). Rooms start at their head at
   * the first login; after a reconnect what was missed comes as 'sync'.
   */
  roomEvent: [RoomEvent, ChatDelivery];
  /** Some messages of a room are lost for good. */
  roomGap: [RoomGapInfo];
  /** The user is no longer in this room (left it on another device); nothing more comes from it. */
  roomLeft: [{ room: string }];
  /** A catch-up of the rooms finished: nothing is missing. */
  roomsSynced: [RoomsSyncedInfo];
  disconnected: [DisconnectInfo];
  /**
   * A reconnect attempt is scheduled; `attempt` counts from 1. `refused`: the server's answer when
   * it refused the login for now (429, too many login attempts); `delayMs` then waits as long as it said.
   */
  reconnecting: [{ attempt: number; delayMs: number; refused?: string }];
  /**
   * Connected again; `login` is the new session when the client was logged in (null after a
   * logout). `resumed`: it logged in with its resume token (true) or, that refused, with the password (false).
   */
  reconnected: [{ login: ReplyData['login'] | null; resumed?: boolean }];
  /**
   * The server refused to log the reconnected client in (401: its resume token, then the remembered
   * password, or the token with no password kept); no more attempts: back to the login prompt.
   */
  sessionLost: [{ message: string }];
  /** An error frame that answers no request this client is waiting for. */
  serverError: [{ code: number; message: string }];
}
