import { badRequest, rateLimited, unauthorized } from '../../../core/errors.js';
import { userKey, type InboxPosition, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import { MessageLog } from '../../inbox/message-log.js';
import type { ClientConnection } from '../client-connection.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

export async function register(services: NodeServices, ctx: RequestContext, data: RequestData<'register'>): Promise<ReplyData['register']> {
  await services.loginThrottle.attempt(data.username, ctx.conn.ip);
  await services.users.register(data.username, data.password);
  await services.directory.remember(data.username);
  services.logger.info('user registered', { user: data.username });
  return { username: data.username };
}

/**
 * All or nothing: the connection counts as logged in (locally, and in the global session) only if
 * Redis took the session; otherwise it stays logged out and the client gets the error. It joins the
 * local sessions first so that nothing sent to the user from now on passes it by.
 */
export async function login(services: NodeServices, ctx: RequestContext, data: RequestData<'login'>): Promise<ReplyData['login']> {
  const { conn } = ctx;
  if (conn.username !== null) throw badRequest(`already logged in as "${conn.username}": log out first`);
  await services.loginThrottle.attempt(data.username, conn.ip);
  checkDevices(services, data.username);
  const username = await services.users.authenticate(data.username, data.password);
  if (username === null) throw unauthorized('wrong username or password');
  await services.loginThrottle.succeeded(username);
  return startSession(services, ctx, username, data.device ?? '');
}

/**
 * A login with the token of an earlier one (no password hash: a reconnect storm costs an HMAC and a
 * Redis read per device). The token is used up: the reply carries the next one.
 */
export async function resume(services: NodeServices, ctx: RequestContext, data: RequestData<'resume'>): Promise<ReplyData['resume']> {
  const { conn } = ctx;
  if (conn.username !== null) throw badRequest(`already logged in as "${conn.username}": log out first`);
  const claims = await services.resumeTokens.check(data.token);
  if (!claims) throw unauthorized('this resume token is not valid (expired, revoked or malformed): log in with the password');
  checkDevices(services, claims.user);
  await services.resumeTokens.revoke(claims.id);
  return startSession(services, ctx, claims.user, claims.device);
}

function checkDevices(services: NodeServices, username: string): void {
  if ((services.local.connections(userKey(username))?.size ?? 0) >= services.maxConnectionsPerUser) {
    throw rateLimited(`"${username}" has ${services.maxConnectionsPerUser} devices connected to this node already: close one first`);
  }
}

async function startSession(services: NodeServices, ctx: RequestContext, username: string, device: string): Promise<ReplyData['login']> {
  const { conn } = ctx;
  // Its rooms (those it joined, and every world room) and push settings are read before anything changes.
  const [roomList] = await Promise.all([services.roomStore.roomsOf(userKey(username)), services.subscriptions.off(userKey(username))]);
  const roomKeys = roomList.map((room) => room.key);
  if (!conn.isOpen || conn.username !== null) throw badRequest('connection closed during login');
  conn.logIn(username, Date.now(), device);
  const user = conn.user!;
  const devices = services.local.add(user, conn);
  // In its rooms before their positions are read, so no room event falls between the two.
  for (const room of roomKeys) services.nodeRooms.join(room, conn);
  try {
    const transaction = services.redis.multi();
    services.global.queueSetNodeDevices(transaction, username, services.nodeId, services.fence(), devices, conn.loginAt);
    services.log.queuePosition(transaction, username);
    services.roomLog.queuePositions(transaction, roomKeys);
    if (conn.device !== '') services.log.queueDevice(transaction, username, conn.device);
    const { token, claims } = services.resumeTokens.issue(transaction, username, user, device);
    const results = await transaction.exec();
    const failed = results?.find(([err]) => err) ?? (results ? null : [new Error('login transaction discarded')]);
    if (failed) throw failed[0];
    const inbox = MessageLog.positionOf(results![1]![1]);
    const rooms: Record<string, InboxPosition> = {};
    roomKeys.forEach((room, i) => (rooms[room] = MessageLog.positionOf(results![2 + i]![1])));
    conn.resumeTokenId = claims.id;
    if (devices === 1) services.announceOnline(user, true);
    conn.logger.info('user logged in', { user: username, devices, rooms: roomKeys.length });
    return { username, nodeId: services.nodeId, loginAt: conn.loginAt, inbox, rooms, resumeToken: token, resumeExpiresAt: claims.exp };
  } catch (err) {
    services.nodeRooms.leaveAll(conn);
    services.local.remove(user, conn);
    conn.logOut();
    throw err;
  }
}

/** Logs out this connection, and revokes its resume token (the device must use its password again). */
export async function logout(services: NodeServices, ctx: RequestContext): Promise<ReplyData['logout']> {
  const tokenId = ctx.conn.resumeTokenId;
  await endSession(services, ctx.conn);
  if (tokenId !== null) await services.resumeTokens.revoke(tokenId);
  return {};
}

/** Drops the connection's login, locally and in the global session. */
export async function endSession(services: NodeServices, conn: ClientConnection): Promise<void> {
  const { username, user } = conn;
  if (username === null || user === null) return;
  services.nodeRooms.leaveAll(conn); // while it still knows its user
  conn.logOut();
  const left = services.local.remove(user, conn);
  if (left === 0) services.announceOnline(user, false);
  await services.global.setNodeDevices(username, services.nodeId, services.fence(), left);
  conn.logger.info('user logged out', { user: username, devicesLeft: left });
}
