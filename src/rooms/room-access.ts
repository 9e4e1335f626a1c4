import { ZkchatError, notFound } from '../../core/errors.js';
import { roomKey } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import type { RequestContext } from '../node/request-context.js';
import type { NodeServices } from '../node/services.js';

/**
 * The key of room `name` if the asking connection is in it (joined at login, or since); otherwise
 * 404 for a room that does not exist and 403 for one the user is not a member of.
 */
export async function requireRoomMember(services: NodeServices, ctx: RequestContext, name: string): Promise<string> {
  const key = roomKey(name);
  if (services.nodeRooms.isIn(key, ctx.conn)) return key;
  if (!(await services.roomStore.exists(key))) throw notFound(`no room named "${name}"`);
  throw new ZkchatError(ErrorCode.FORBIDDEN, `you are not a member of room "${name}": join it first`);
}
