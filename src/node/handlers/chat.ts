import { randomUUID } from 'node:crypto';
import { notFound, unavailable } from '../../../core/errors.js';
import { userKey, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import type { ChatToStore, StoreChatResult } from '../../inbox/message-log.js';
import type { Recipient } from '../../delivery/router.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';
import { cleanUserText } from '../../text/user-text.js';

/**
 * Private message. It is stored first, in one Redis round trip (both inboxes, the conversation's
 * recent list, the archive stream), and the reply says so: `{id, seq, ts, online}`. Live delivery to
 * the recipient's devices and the sender's other devices follows; a device that misses it gets it
 * with `sync`. A resend with the same `clientMsgId` is stored once and answered with the first
 * attempt's id and seq.
 */
export async function chat(services: NodeServices, ctx: RequestContext, data: RequestData<'chat'>): Promise<ReplyData['chat']> {
  // What is stored, delivered and counted as hot words is the cleaned, masked text.
  const toStore: ChatToStore = { from: ctx.username, to: data.to, message: cleanUserText(services.words, data.message, 'data.message'), id: randomUUID(), ts: Date.now(), clientMsgId: data.clientMsgId };
  let result = await services.log.storeChat(toStore);
  if (result.status === 'unknown-recipient') {
    // Not in the Redis user directory: MongoDB has the last word (and fills the directory).
    if ((await services.directory.spelling(data.to)) === null) throw notFound(`no user named "${data.to}"`);
    result = await services.log.storeChat(toStore);
  }
  if (result.status === 'unknown-recipient') throw notFound(`no user named "${data.to}"`);
  if (result.status === 'archive-full') throw unavailable('the history archive is behind: try again shortly');
  deliverLive(services, ctx, result);
  return { id: result.id, seq: result.fromSeq, ts: result.ts, online: services.router.anyAlive(result.toNodes) };
}

function deliverLive(services: NodeServices, ctx: RequestContext, stored: Extract<StoreChatResult, { status: 'stored' }>): void {
  const { message } = stored;
  if (!message) return; // a resend whose entry was trimmed already: nothing to send again
  const to = userKey(message.to);
  const recipients: Recipient[] = [{ user: to, seq: stored.toSeq, nodes: stored.toNodes }];
  // The sender's other devices get their copy; to oneself it is one entry.
  if (to !== ctx.user) recipients.push({ user: ctx.user, seq: stored.fromSeq, nodes: stored.fromNodes });
  services.router.deliver(message.id, { action: 'chat', data: message }, recipients, ctx.conn);
}
