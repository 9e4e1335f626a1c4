import type { Logger } from '../core/logger.js';
import type { ChatEventData, ReplyData } from '../protocol/actions.js';
import type { BackoffOptions } from './backoff.js';

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
  /** Interval of our own WebSocket pings; a missing pong by the next one drops the connection. 0 turns it off. */
  heartbeatMs?: number;
  logger?: Logger;
  random?: () => number;
}

export interface DisconnectInfo {
  code: number;
  reason: string;
  willReconnect: boolean;
}

/** Events of a ChatClient, with their arguments. */
export interface ChatClientEvents {
  chat: [ChatEventData];
  disconnected: [DisconnectInfo];
  /** A reconnect attempt is scheduled; `attempt` counts from 1. */
  reconnecting: [{ attempt: number; delayMs: number }];
  /** Connected again; `login` is the new session when credentials were remembered. */
  reconnected: [{ login: ReplyData['login'] | null }];
  /** The server refused the remembered credentials after a reconnect; no more attempts. */
  sessionLost: [{ message: string }];
  /** An error frame that answers no request this client is waiting for. */
  serverError: [{ code: number; message: string }];
}
