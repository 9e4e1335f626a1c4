import { badRequest, notFound } from '../../../core/errors.js';
import { HISTORY_LIMIT_DEFAULT, userKey, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import { requireRoomMember } from '../../rooms/room-access.js';
import { privateConversation, roomConversation } from '../../storage/message-store.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/**
 * One page of a private conversation's or a room's history: pages go from the newest back, the
 * messages of a page oldest first, `next` into `before` for the page before it. Only the two users
 * of a private conversation and the members of a room read it.
 */
export async function history(services: NodeServices, ctx: RequestContext, data: RequestData<'history'>): Promise<ReplyData['history']> {
  const conversation = await conversationOf(services, ctx, data.conversation);
  return services.history.page(conversation, data.before, data.limit ?? HISTORY_LIMIT_DEFAULT);
}

async function conversationOf(services: NodeServices, ctx: RequestContext, named: RequestData<'history'>['conversation']): Promise<string> {
  const { with: other, room } = named;
  if (other !== undefined && room === undefined) {
    if ((await services.directory.spelling(other)) === null) throw notFound(`no user named "${other}"`);
    return privateConversation(ctx.user, userKey(other));
  }
  if (room !== undefined && other === undefined) return roomConversation(await requireRoomMember(services, ctx, room));
  throw badRequest('data.conversation must name exactly one of "with" and "room"');
}
