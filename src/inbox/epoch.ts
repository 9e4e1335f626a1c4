import { createHash, randomBytes } from 'node:crypto';

/**
 * An inbox epoch names one life of a user's log: it is made (by the Redis scripts) when the log is
 * created, and a log that was lost (Redis restarted without its data) starts again under a new one.
 * Its first 8 characters tag the user (the start of SHA-1 of the user key, as `redis.sha1hex` makes
 * it), so a cursor taken from someone else's inbox is told apart from an old one of ours.
 */
const TAG_LENGTH = 8;

/** Whether `epoch` could be one of `user`'s (a user key). */
export function epochBelongsTo(epoch: string, user: string): boolean {
  return epoch.slice(0, TAG_LENGTH) === createHash('sha1').update(user).digest('hex').slice(0, TAG_LENGTH);
}

// Random per process, then a counter: unique without a system call per message.
const processPart = randomBytes(4).toString('hex');
let counter = 0;

/** The part of a new epoch after the user tag; scripts use it only when an inbox starts. */
export function epochNonce(): string {
  counter = (counter + 1) % 0x1000000;
  return processPart + counter.toString(16).padStart(6, '0');
}
