import { unavailable } from '../../../core/errors.js';
import type { ReplyData, RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

const notYet = () => unavailable('rooms are not available yet');

export async function createRoom(_s: NodeServices, _ctx: RequestContext, _data: RequestData<'createRoom'>): Promise<ReplyData['createRoom']> {
  throw notYet();
}
export async function joinRoom(_s: NodeServices, _ctx: RequestContext, _data: RequestData<'joinRoom'>): Promise<ReplyData['joinRoom']> {
  throw notYet();
}
export async function leaveRoom(_s: NodeServices, _ctx: RequestContext, _data: RequestData<'leaveRoom'>): Promise<ReplyData['leaveRoom']> {
  throw notYet();
}
export async function rooms(_s: NodeServices, _ctx: RequestContext, _data: RequestData<'rooms'>): Promise<ReplyData['rooms']> {
  throw notYet();
}
export async function roomChat(_s: NodeServices, _ctx: RequestContext, _data: RequestData<'roomChat'>): Promise<ReplyData['roomChat']> {
  throw notYet();
}
