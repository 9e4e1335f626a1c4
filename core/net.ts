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

/** Sends one already-encoded frame, closing the socket if the peer reads too slowly. */
export function sendText(socket: FrameSocket, text: string, options: SendOptions): SendResult {
  if (socket.readyState !== OPEN) return 'closed';
  if (socket.bufferedAmount > options.maxBufferedBytes) {
    socket.close(CloseCode.SLOW_CONSUMER, 'slow consumer: too many unsent bytes');
    return 'slow';
  }
  socket.send(text);
  return 'sent';
}

/** Encodes and sends a frame object. */
export function sendFrame(socket: FrameSocket, frame: object, options: SendOptions): SendResult {
  return sendText(socket, JSON.stringify(frame), options);
}
