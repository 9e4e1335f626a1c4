/**
 * The one catalog of codes: error codes of `error` frames (and HTTP answers), close codes of the
 * client port, and close codes of the cluster port. README's tables list each of them, and a test
 * checks that every code here is unique within its kind and documented there.
 */

/**
 * Error codes carried in `error` frames. They mirror HTTP status codes so that a
 * person reading a log, and the gateway's HTTP API, share one vocabulary.
 */
export const ErrorCode = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** HTTP APIs only (push API): the path exists, the method does not. */
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * WebSocket close codes of the client port. The range tells a client what to do next:
 * 1000-1999 are RFC 6455 codes, 4000-4499 mean "reconnect with backoff",
 * 4500-4999 mean "do not reconnect on your own" (a person must act).
 */
export const CloseCode = {
  /** Normal close, e.g. after `logout` when the client closes. */
  NORMAL: 1000,
  /** The server is shutting down (SIGTERM); reconnect, through the gateway once there is one. */
  GOING_AWAY: 1001,
  /** A frame was larger than the configured limit (ws closes with this by itself). */
  TOO_LARGE: 1009,
  /** No pong arrived within the heartbeat timeout. */
  HEARTBEAT_TIMEOUT: 4000,
  /** The client read too slowly: its unsent bytes passed the limit. */
  SLOW_CONSUMER: 4001,
  /** The client kept sending far above its rate limit. */
  FLOOD: 4002,
  /** The connection did not log in within the login deadline. */
  LOGIN_TIMEOUT: 4003,
  /** Too many connections from the client's address on this node. */
  TOO_MANY_CONNECTIONS: 4004,
  /** The server kicked the user (account removed, forced logout): go back to the login prompt. */
  KICKED: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Whether a client should reconnect by itself after the server closed with `code`. */
export function shouldReconnect(code: number): boolean {
  return code < 4500;
}

/**
 * Close codes of the cluster port's links between nodes. The leader dials its followers again after
 * any of them while both are members; none of them ever reaches a client.
 */
export const ClusterCloseCode = {
  /** The node is shutting down, or the peer left the cluster. */
  SHUTDOWN: 1001,
  /** A frame was larger than the link's frame limit (ws closes with this by itself). */
  TOO_LARGE: 1009,
  /** The peer sent a frame that is not a cluster message batch. */
  BAD_FRAME: 4400,
  /** The peer's unsent backlog passed the link's limit. */
  SLOW_PEER: 4408,
  /** A newer link to the same peer replaced this one, or this node stopped leading. */
  REPLACED: 4409,
  /** No pong (or anything else) from the peer within the link's deadline. */
  SILENT: 4410,
} as const;
export type ClusterCloseCode = (typeof ClusterCloseCode)[keyof typeof ClusterCloseCode];
