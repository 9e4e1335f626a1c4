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

const ROOM_CHAT_FRAME = '{"v":1,"action":"roomChat",';
const MESSAGE_FIELD = `"message":"${PREFIX}`;
const DIGIT_0 = 0x30;

/** The unsigned integer in text[from, to), or -1 if it is empty or not all digits. */
function digits(text: string, from: number, to: number): number {
  if (from >= to) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - DIGIT_0;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * The payload of a roomChat event frame, read without parsing the JSON (the generator receives one
 * per member per message: JSON.parse was a third of its time). null for anything else, or any other
 * layout: the caller then parses the JSON. latin1 keeps the decoding cheap; the payload is ASCII.
 */
export function decodeRoomChatFrame(raw: Buffer): Payload | null {
  const text = raw.toString('latin1');
  if (!text.startsWith(ROOM_CHAT_FRAME)) return null;
  const at = text.indexOf(MESSAGE_FIELD, ROOM_CHAT_FRAME.length);
  if (at < 0) return null;
  const start = at + MESSAGE_FIELD.length;
  const end = text.indexOf('"', start);
  const space1 = text.indexOf(' ', start);
  const space2 = space1 < 0 ? -1 : text.indexOf(' ', space1 + 1);
  if (end < 0 || space2 < 0 || space2 >= end) return null;
  const sender = digits(text, start, space1);
  const counter = digits(text, space1 + 1, space2);
  const sentAt = space2 + 1 < end ? Number(text.slice(space2 + 1, end)) : NaN;
  if (sender < 0 || counter < 0 || !Number.isFinite(sentAt)) return null;
  return { sender, counter, sentAt };
}
