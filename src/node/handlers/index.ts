import type { ClientAction, ReplyData, RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';
import { login, logout, register, resume } from './account.js';
import { chat } from './chat.js';
import { ping, userInfo } from './info.js';
import { sync } from './sync.js';
import { history } from './history.js';
import { popular } from './popular.js';
import { setSubscriptions, subscriptions } from './subscriptions.js';
import { ack } from './ack.js';
import { onlineUsers } from './online.js';
import { createRoom, joinRoom, leaveRoom, roomChat, rooms } from './rooms.js';

export type ActionHandler<A extends ClientAction> = (services: NodeServices, ctx: RequestContext, data: RequestData<A>) => Promise<ReplyData[A]>;

/** Every client action and its handler; the type makes a missing one a compile error. */
export const clientHandlers: { [A in ClientAction]: ActionHandler<A> } = {
  register,
  login,
  logout,
  resume,
  ping,
  chat,
  sync,
  userInfo,
  createRoom,
  joinRoom,
  leaveRoom,
  rooms,
  roomChat,
  history,
  popular,
  subscriptions,
  setSubscriptions,
  ack,
  onlineUsers,
};
