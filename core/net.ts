import type { WebSocket } from 'ws';
import { CloseCode } from '../protocol/codes.js';

/** The part of a `ws` WebSocket that sending needs; both server and client sockets fit. */
export type FrameSocket = Pick<WebSocket, 'send' | 'close' | 'bufferedAmount' | 'readyState'>;

const OPEN = 1;

export interface SendOptions {
  /**
   * Unsent bytes a peer may hold before it counts as a slow consumer and is closed.
   * Keeps memory bounded when a reader stalls during a burst.
   */
  maxBufferedBytes: number;
}

export type SendResult = 'sent' | 'closed' | 'slow';

/** A text frame given as UTF-8 bytes (`ws` would otherwise take Buffers for binary frames). */
const AS_TEXT = { binary: false } as const;

/**
 * Sends one already-encoded text frame, closing the socket if the peer reads too slowly. A frame
 * going to many sockets is best given as bytes, encoded once: a string is encoded again per send.
 */
export function sendText(socket: FrameSocket, text: string | Buffer, options: SendOptions): SendResult {
  if (socket.readyState !== OPEN) return 'closed';
  if (socket.bufferedAmount > options.maxBufferedBytes) {
    socket.close(CloseCode.SLOW_CONSUMER, 'slow consumer: too many unsent bytes');
    return 'slow';
  }
  if (typeof text === 'string') socket.send(text);
  else socket.send(text, AS_TEXT);
  return 'sent';
}

/** Encodes and sends a frame object. */
export function sendFrame(socket: FrameSocket, frame: object, options: SendOptions): SendResult {
  return sendText(socket, JSON.stringify(frame), options);
}
