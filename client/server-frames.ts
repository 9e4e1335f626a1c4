import type { RawData } from 'ws';
import { PROTOCOL_VERSION, type ErrorData, type ServerFrame } from '../protocol/frames.js';
import { isPlainObject } from '../protocol/schema.js';

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
