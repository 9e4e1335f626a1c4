import { ONLINE_USERS_LIMIT_DEFAULT, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import { onlineUsersPage } from '../../push/online-users.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/** Who is online (users with a device on a live node), a page at a time. */
export async function onlineUsers(services: NodeServices, _ctx: RequestContext, data: RequestData<'onlineUsers'>): Promise<ReplyData['onlineUsers']> {
  return onlineUsersPage(services.redis, services.keys, services.liveNodes(), data.cursor, data.limit ?? ONLINE_USERS_LIMIT_DEFAULT);
}
