import { randomUUID } from 'node:crypto';
import { notFound, unavailable } from '../../../core/errors.js';
import type { ChatEventData, ReplyData, RequestData } from '../../../protocol/actions.js';
import { privateConversation } from '../../storage/message-store.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

// How long a client's own message id is remembered, so a resend after a reconnect is not delivered twice.
const CLIENT_MSG_ID_TTL_S = 600;

export async function chat(services: NodeServices, ctx: RequestContext, data: RequestData<'chat'>): Promise<ReplyData['chat']> {
  const from = ctx.username;
  if (!services.messages.hasRoom()) throw unavailable('history storage is behind: try again shortly');

  const event: ChatEventData = { id: randomUUID(), from, to: data.to, message: data.message, format: 'text', ts: Date.now() };
  if (data.clientMsgId !== undefined) {
    const earlier = await claimClientMsgId(services, from, data.clientMsgId, event);
    if (earlier) return earlier;
  }
  if (!(await services.router.deliver(event))) {
    if (data.clientMsgId !== undefined) await releaseClientMsgId(services, from, data.clientMsgId);
    throw notFound(`user "${data.to}" is not online`);
  }
  services.messages.append({ _id: event.id, conversation: privateConversation(from, event.to), ...event });
  return { id: event.id, ts: event.ts };
}

function clientMsgKey(services: NodeServices, from: string, clientMsgId: string): string {
  return `${services.redisPrefix}cmid:${from}:${clientMsgId}`;
}

/** Returns the earlier reply when this clientMsgId was already sent, else claims it. */
async function claimClientMsgId(services: NodeServices, from: string, clientMsgId: string, event: ChatEventData): Promise<ReplyData['chat'] | null> {
  const key = clientMsgKey(services, from, clientMsgId);
  const claimed = await services.redis.set(key, `${event.id} ${event.ts}`, 'EX', CLIENT_MSG_ID_TTL_S, 'NX');
  if (claimed === 'OK') return null;
  const earlier = await services.redis.get(key);
  const [id, ts] = (earlier ?? '').split(' ');
  return id && ts ? { id, ts: Number(ts) } : null;
}

async function releaseClientMsgId(services: NodeServices, from: string, clientMsgId: string): Promise<void> {
  await services.redis.del(clientMsgKey(services, from, clientMsgId));
}
