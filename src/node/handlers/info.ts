import { notFound } from '../../../core/errors.js';
import type { ReplyData, RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

export async function ping(): Promise<ReplyData['ping']> {
  return { ts: Date.now() };
}

/** Online only when the session's node is alive: a crashed node leaves stale sessions behind. */
export async function userInfo(services: NodeServices, _ctx: RequestContext, data: RequestData<'userInfo'>): Promise<ReplyData['userInfo']> {
  const [username, session] = await Promise.all([services.directory.spelling(data.username), services.global.get(data.username)]);
  if (username === null) throw notFound(`no user named "${data.username}"`);
  if (!session || !services.isNodeAlive(session.nodeId)) return { username, online: false, nodeId: null, loginAt: null, devices: 0 };
  // Connections on nodes that died but were not cleaned up yet do not count.
  const devices = Object.entries(session.devices).reduce((sum, [node, count]) => (services.isNodeAlive(node) ? sum + count : sum), 0);
  return { username, online: true, nodeId: session.nodeId, loginAt: session.loginAt, devices };
}
