import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { ZkchatError } from '../core/errors.js';
import type { ReplyData } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import type { ChatClient } from './chat-client.js';
import { ConnectionError } from './errors.js';

export interface SendChatOptions {
  /** Tries in all, the first included. */
  attempts?: number;
  /** How long to wait for a reconnect before a retry gives up. */
  reconnectWaitMs?: number;
}

/**
 * Sends a private message so that a lost connection or a busy cluster does not lose it: every
 * try carries the same clientMsgId, so the server delivers it once however often it arrives.
 */
export async function sendChat(client: ChatClient, to: string, message: string, options: SendChatOptions = {}): Promise<ReplyData['chat']> {
  const attempts = options.attempts ?? 3;
  const clientMsgId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      if (!client.isReady) await once(client, 'reconnected', { signal: AbortSignal.timeout(options.reconnectWaitMs ?? 20_000) });
      return await client.request('chat', { to, message, clientMsgId });
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
