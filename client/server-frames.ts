import type { RawData } from 'ws';
import type { InboxPosition, ReplyData } from '../protocol/actions.js';
import { PROTOCOL_VERSION, type ErrorData, type ServerFrame } from '../protocol/frames.js';
import { isPlainObject } from '../protocol/schema.js';
import { readInboxEvent } from './push-frames.js';
import { readRoomLogRead } from './room-frames.js';

/**
 * Reads one text frame from a server, or returns null when it is not a v1 frame.
 * Only the envelope is checked; payloads are checked by whoever reads them, and unknown
 * fields are kept so that a newer server does not break an older client.
 */
export function decodeServerFrame(raw: string): ServerFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isPlainObject(value) || value.v !== PROTOCOL_VERSION || typeof value.action !== 'string') return null;
  const { action, data } = value;
  if (!('replyTo' in value)) return { v: PROTOCOL_VERSION, action, data };
  const { replyTo } = value;
  if (action === 'error') {
    if (replyTo !== null && typeof replyTo !== 'string') return null;
    return { v: PROTOCOL_VERSION, replyTo, action, data: readErrorData(data) };
  }
  if (typeof replyTo === 'string') return { v: PROTOCOL_VERSION, replyTo, action, data };
  return null;
}

/** The code and message of an error frame, with stand-ins when the server sent something odd. */
export function readErrorData(data: unknown): ErrorData {
  const code = isPlainObject(data) && typeof data.code === 'number' ? data.code : 500;
  const message = isPlainObject(data) && typeof data.message === 'string' ? data.message : 'the server reported an error';
  return { code, message };
}

/** The text of a frame as ws hands it over (one Buffer unless configured otherwise). */
export function frameText(raw: RawData): string {
  if (Array.isArray(raw)) return Buffer.concat(raw).toString('utf8');
  return (raw instanceof ArrayBuffer ? Buffer.from(raw) : raw).toString('utf8');
}

/** The inbox position of a login reply, or null when the server sent none (or something odd). */
export function readInboxPosition(login: unknown): InboxPosition | null {
  const inbox = isPlainObject(login) ? login.inbox : undefined;
  if (!isPlainObject(inbox) || typeof inbox.epoch !== 'string' || !Number.isSafeInteger(inbox.head)) return null;
  return { epoch: inbox.epoch, head: inbox.head as number };
}

/**
 * A sync reply, checked: null when its envelope is unusable. Events that are not readable chat or
 * push (or room) events are left out and counted in `malformed` (a hole they leave is then fetched again).
 */
export function readSyncReply(data: unknown): { reply: ReplyData['sync']; malformed: number } | null {
  if (!isPlainObject(data) || !Array.isArray(data.events) || typeof data.complete !== 'boolean') return null;
  if (!Number.isSafeInteger(data.head) || typeof data.epoch !== 'string') return null;
  const events: ReplyData['sync']['events'] = [];
  for (const value of data.events as unknown[]) {
    const event = readInboxEvent(value);
    if (event) events.push(event);
  }
  let malformed = data.events.length - events.length;
  const reply: ReplyData['sync'] = { events, complete: data.complete, head: data.head as number, epoch: data.epoch };
  if (isPlainObject(data.rooms)) {
    // A room whose read is unreadable is left out: the room sync asks for it again.
    const rooms: NonNullable<ReplyData['sync']['rooms']> = {};
    for (const [room, value] of Object.entries(data.rooms)) {
      const read = readRoomLogRead(value);
      if (read) rooms[room] = read.read;
      malformed += read ? read.malformed : 1;
    }
    reply.rooms = rooms;
  }
  return { reply, malformed };
}
