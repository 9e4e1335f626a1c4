/** Envelope of every frame on the client port: UTF-8 JSON text frames, version 1. */
export const PROTOCOL_VERSION = 1;

/** Sent by a client; `id` is chosen by the client and echoed as `replyTo`. */
export interface RequestFrame<A extends string = string, D = unknown> {
  v: typeof PROTOCOL_VERSION;
  id: string;
  action: A;
  data: D;
}

/** The answer to one request. */
export interface ReplyFrame<A extends string = string, D = unknown> {
  v: typeof PROTOCOL_VERSION;
  replyTo: string;
  action: A;
  data: D;
}

export interface ErrorData {
  code: number;
  message: string;
}

/** A failed request, or a problem with a frame whose id could not be read (`replyTo: null`). */
export interface ErrorFrame {
  v: typeof PROTOCOL_VERSION;
  replyTo: string | null;
  action: 'error';
  data: ErrorData;
}

/** Unsolicited, server-initiated. */
export interface EventFrame<A extends string = string, D = unknown> {
  v: typeof PROTOCOL_VERSION;
  action: A;
  data: D;
}

/** Anything a server sends to a client. */
export type ServerFrame = ReplyFrame | ErrorFrame | EventFrame;

export function requestFrame<A extends string, D>(id: string, action: A, data: D): RequestFrame<A, D> {
  return { v: PROTOCOL_VERSION, id, action, data };
}

export function replyFrame<A extends string, D>(replyTo: string, action: A, data: D): ReplyFrame<A, D> {
  return { v: PROTOCOL_VERSION, replyTo, action, data };
}

export function errorFrame(replyTo: string | null, code: number, message: string): ErrorFrame {
  return { v: PROTOCOL_VERSION, replyTo, action: 'error', data: { code, message } };
}

export function eventFrame<A extends string, D>(action: A, data: D): EventFrame<A, D> {
  return { v: PROTOCOL_VERSION, action, data };
}

export function isErrorFrame(frame: ServerFrame): frame is ErrorFrame {
  return frame.action === 'error' && 'replyTo' in frame;
}

export function isReplyFrame(frame: ServerFrame): frame is ReplyFrame {
  return 'replyTo' in frame && frame.action !== 'error';
}
