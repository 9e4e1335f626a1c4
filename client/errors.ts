/** A request or connection that failed on this side of the wire: no connection, no answer in time, too many waiting. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

const SOCKET_PROBLEMS: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be looked up',
  ETIMEDOUT: 'no answer',
  ECONNRESET: 'the connection was cut',
  EHOSTUNREACH: 'the host cannot be reached',
};

/** Why a socket failed, in words where the system code is a known one. */
export function describeSocketError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined && code in SOCKET_PROBLEMS) return SOCKET_PROBLEMS[code]!;
  if (/handshake has timed out/i.test(err.message)) return 'no answer';
  return err.message;
}

/** The message of whatever was thrown, for logs and events. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A duration in seconds for messages: at most one decimal, `1.5 s`, `8 s`. */
export function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}
