import { createHash, randomBytes } from 'node:crypto';

/**
 * An inbox epoch names one life of a user's log: it is made when the log is created, and a log that
 * was lost (Redis restarted without its data) starts again under a new one. Its first 8 characters
 * tag the user, so a cursor taken from someone else's inbox is told apart from an old one of ours.
 */
const TAG_LENGTH = 8;

function userTag(user: string): string {
  return createHash('sha256').update(user).digest('hex').slice(0, TAG_LENGTH);
}

/** A fresh epoch for `user`'s inbox (a user key); used only if the inbox has none yet. */
export function newEpoch(user: string): string {
  return userTag(user) + randomBytes(6).toString('hex');
}

/** Whether `epoch` could be one of `user`'s (a user key). */
export function epochBelongsTo(epoch: string, user: string): boolean {
  return epoch.slice(0, TAG_LENGTH) === userTag(user);
}
