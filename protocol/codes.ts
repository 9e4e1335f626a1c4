/**
 * Error codes carried in `error` frames. They mirror HTTP status codes so that a
 * person reading a log, and the gateway's HTTP API, share one vocabulary.
 */
export const ErrorCode = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_LARGE: 413,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * WebSocket close codes. The range tells a client what to do next:
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
  /** The server kicked the user (account removed, forced logout): go back to the login prompt. */
  KICKED: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Whether a client should reconnect by itself after the server closed with `code`. */
export function shouldReconnect(code: number): boolean {
  return code < 4500;
}
