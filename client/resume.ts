import { ZkchatError } from '../core/errors.js';
import { ErrorCode } from '../protocol/codes.js';

/**
 * The resume token a login or resume reply carries, or null (a server without resume tokens, or
 * an unreadable one). The token lives in memory only: it is as good as a password until it is
 * used up, so it is never written to disk.
 */
export function readResumeToken(reply: unknown): string | null {
  if (typeof reply !== 'object' || reply === null) return null;
  const { resumeToken } = reply as { resumeToken?: unknown };
  return typeof resumeToken === 'string' && resumeToken !== '' ? resumeToken : null;
}

/**
 * How long the server asked to wait before the next login attempt: a 429 saying "… try again in
 * N s" (the login throttle). Null for any other error, a 429 included that names no time (too many
 * devices, too many requests), which is retried with the usual backoff.
 */
export function retryAfterMs(err: unknown): number | null {
  if (!(err instanceof ZkchatError) || err.code !== ErrorCode.RATE_LIMITED) return null;
  const match = /try again in (\d+(?:\.\d+)?) ?s\b/i.exec(err.message);
  if (!match) return null;
  const seconds = Number(match[1]);
  return Number.isFinite(seconds) ? Math.round(seconds * 1000) : null;
}

export function isUnauthorized(err: unknown): boolean {
  return err instanceof ZkchatError && err.code === ErrorCode.UNAUTHORIZED;
}

/** What a reconnect tells the person when the device's token was refused and no password is kept. */
export const SESSION_EXPIRED = 'this device\'s session expired or was revoked: log in with your password';
