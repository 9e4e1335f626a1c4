/**
 * The text of a bench message. It carries the message's unique id (sender index + counter) and the
 * time of its first attempt, so the receiver, in whatever process, can dedupe and time it.
 */

export interface Payload {
  sender: number;
  counter: number;
  /** ms, performance.timeOrigin + performance.now() of the first attempt. */
  sentAt: number;
}

const PREFIX = 'bench ';

export function encodePayload(p: Payload): string {
  return `${PREFIX}${p.sender} ${p.counter} ${p.sentAt.toFixed(3)}`;
}

/** null for any text that is not a bench payload. */
export function decodePayload(text: string): Payload | null {
  if (!text.startsWith(PREFIX)) return null;
  const parts = text.slice(PREFIX.length).split(' ');
  if (parts.length !== 3) return null;
  const sender = Number(parts[0]);
  const counter = Number(parts[1]);
  const sentAt = Number(parts[2]);
  if (!Number.isSafeInteger(sender) || !Number.isSafeInteger(counter) || !Number.isFinite(sentAt)) return null;
  return { sender, counter, sentAt };
}

/** The clientMsgId of a message: unique per sender, the same on every resend. */
export function clientMsgId(p: Pick<Payload, 'sender' | 'counter'>): string {
  return `${p.sender}-${p.counter}`;
}
