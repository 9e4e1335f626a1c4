import { HISTORY_LIMIT_DEFAULT, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/** One page of a private conversation's or a room's history, newest page first, messages oldest first. */
export async function history(services: NodeServices, ctx: RequestContext, data: RequestData<'history'>): Promise<ReplyData['history']> {
  void ctx;
  return services.history.page('', data.before, data.limit ?? HISTORY_LIMIT_DEFAULT);
}
