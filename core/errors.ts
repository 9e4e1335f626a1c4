import { ErrorCode } from '../protocol/codes.js';

/**
 * An error meant for the peer: its code and message go into an `error` frame as they are.
 * Anything else thrown by a handler becomes a 500 with a generic message (the details go to the log).
 */
export class ZkchatError extends Error {
  constructor(readonly code: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ZkchatError';
  }
}

export const badRequest = (message: string) => new ZkchatError(ErrorCode.BAD_REQUEST, message);
export const unauthorized = (message: string) => new ZkchatError(ErrorCode.UNAUTHORIZED, message);
export const notFound = (message: string) => new ZkchatError(ErrorCode.NOT_FOUND, message);
export const conflict = (message: string) => new ZkchatError(ErrorCode.CONFLICT, message);
export const rateLimited = (message: string) => new ZkchatError(ErrorCode.RATE_LIMITED, message);
export const unavailable = (message: string, cause?: unknown) => new ZkchatError(ErrorCode.UNAVAILABLE, message, { cause });
