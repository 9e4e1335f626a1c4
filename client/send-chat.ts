import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ZkchatError } from '../core/errors.js';
import type { ChatEventData, ReplyData, RoomEvent } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import type { ChatClient } from './chat-client.js';
import { ConnectionError } from './errors.js';

export interface SendChatOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** How long to wait for a reconnect before a retry gives up. */
  reconnectWaitMs?: number;
}

type ChatReply = ReplyData['chat'];

/** A message the server stored. */
export interface SentChat extends ChatReply {
  /**
   * The client already emitted it as a `chat` event: a try whose reply was lost stored it, and the
   * catch-up after the reconnect returned it before the retry's reply came.
   */
  alreadyShown: boolean;
}

/**
 * Sends a private message so that a lost connection or a busy cluster does not lose it: every
 * try carries the same clientMsgId, so the server stores it once however often it arrives.
 * Resolves once it is stored: `online: false` means the recipient gets it at their next login.
 * The reply's seq tells the client's inbox cursor that the message is this device's own, so no
 * sync shows it again.
 */
export async function sendChat(client: ChatClient, to: string, message: string, options: SendChatOptions = {}): Promise<SentChat> {
  const shown = new Set<string>();
  const onChat = (event: ChatEventData) => shown.add(event.id);
  client.on('chat', onChat);
  try {
    const reply = await withRetries(client, options, (clientMsgId) => client.request('chat', { to, message, clientMsgId }));
    return { ...reply, alreadyShown: shown.has(reply.id) };
  } finally {
    client.off('chat', onChat);
  }
}

type RoomChatReply = ReplyData['roomChat'];

/** A room message the server stored; `alreadyShown` as for a private one. */
export interface SentRoomChat extends RoomChatReply {
  alreadyShown: boolean;
}

/** Sends a room message the way sendChat sends a private one: retried with one clientMsgId, stored once. */
export async function sendRoomChat(client: ChatClient, room: string, message: string, options: SendChatOptions = {}): Promise<SentRoomChat> {
  const shown = new Set<string>();
  const onRoomEvent = (event: RoomEvent) => {
    if (event.action === 'roomChat') shown.add(event.data.id);
  };
  client.on('roomEvent', onRoomEvent);
  try {
    const reply = await withRetries(client, options, (clientMsgId) => client.request('roomChat', { room, message, clientMsgId }));
    return { ...reply, alreadyShown: shown.has(reply.id) };
  } finally {
    client.off('roomEvent', onRoomEvent);
  }
}

/** Tries `send` (each time with the same clientMsgId) until it is answered, waiting for a reconnect in between. */
async function withRetries<T>(client: ChatClient, options: SendChatOptions, send: (clientMsgId: string) => Promise<T>): Promise<T> {
  const attempts = options.attempts ?? 3;
  const clientMsgId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      if (!client.isReady) await once(client, 'reconnected', { signal: AbortSignal.timeout(options.reconnectWaitMs ?? 20_000) });
      return await send(clientMsgId);
    } catch (err) {
      if (attempt >= attempts || !isWorthRetrying(err)) throw asReadable(err);
    }
  }
}

function isWorthRetrying(err: unknown): boolean {
  return err instanceof ConnectionError || (err instanceof ZkchatError && err.code === ErrorCode.UNAVAILABLE);
}

// An aborted wait for the reconnect reads as a stack-trace word otherwise.
function asReadable(err: unknown): unknown {
  return err instanceof Error && err.name === 'AbortError' ? new ConnectionError('no connection to the server: the message was not sent') : err;
}
