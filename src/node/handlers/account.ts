import { badRequest, unauthorized } from '../../../core/errors.js';
import type { ReplyData, RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

export async function register(services: NodeServices, _ctx: RequestContext, data: RequestData<'register'>): Promise<ReplyData['register']> {
  await services.users.register(data.username, data.password);
  services.logger.info('user registered', { user: data.username });
  return { username: data.username };
}

export async function login(services: NodeServices, ctx: RequestContext, data: RequestData<'login'>): Promise<ReplyData['login']> {
  const { conn } = ctx;
  if (conn.username !== null) throw badRequest(`already logged in as "${conn.username}": log out first`);
  const username = await services.users.authenticate(data.username, data.password);
  if (username === null) throw unauthorized('wrong username or password');
  if (!conn.isOpen || conn.username !== null) throw badRequest('connection closed during login');
  conn.username = username;
  conn.loginAt = Date.now();
  const devices = services.local.add(username, conn);
  await services.global.setNodeDevices(username, services.nodeId, devices, conn.loginAt);
  conn.logger.info('user logged in', { user: username, devices });
  return { username, nodeId: services.nodeId, loginAt: conn.loginAt };
}

export async function logout(services: NodeServices, ctx: RequestContext): Promise<ReplyData['logout']> {
  await endSession(services, ctx.conn);
  return {};
}

/** Drops the connection's login, locally and in the global session. */
export async function endSession(services: NodeServices, conn: RequestContext['conn']): Promise<void> {
  const username = conn.username;
  if (username === null) return;
  conn.username = null;
  const left = services.local.remove(username, conn);
  await services.global.setNodeDevices(username, services.nodeId, left);
  conn.logger.info('user logged out', { user: username, devicesLeft: left });
}
