import { roomKey, type ReplyData, type RequestData, type RoomInfo } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';
import { cleanUserText } from '../../text/user-text.js';

/**
 * Room requests. Rooms live on their host (the leader, see src/rooms/room-hosting.ts), which checks
 * and changes memberships and stores room events; this node forwards the request, then brings its
 * own connections of the user into or out of the room (the host tells every node too).
 */

export async function createRoom(services: NodeServices, ctx: RequestContext, data: RequestData<'createRoom'>): Promise<ReplyData['createRoom']> {
  const title = data.title === undefined ? undefined : cleanUserText(services.words, data.title, 'data.title');
  const room = (await services.callHost(roomKey(data.name), 'createRoom', { name: data.name, ...(title !== undefined ? { title } : {}), user: ctx.user })) as RoomInfo;
  services.nodeRooms.applyMember({ t: 'member', room: roomKey(data.name), user: ctx.user, joined: true });
  return { room };
}

export async function joinRoom(services: NodeServices, ctx: RequestContext, data: RequestData<'joinRoom'>): Promise<ReplyData['joinRoom']> {
  const key = roomKey(data.room);
  const room = (await services.callHost(key, 'joinRoom', { room: data.room, user: ctx.user })) as RoomInfo;
  services.nodeRooms.applyMember({ t: 'member', room: key, user: ctx.user, joined: true });
  const [positions, recent] = await Promise.all([services.roomLog.positions([key]), services.roomLog.recent(key)]);
  return { room, position: positions[key]!, recent };
}

export async function leaveRoom(services: NodeServices, ctx: RequestContext, data: RequestData<'leaveRoom'>): Promise<ReplyData['leaveRoom']> {
  const key = roomKey(data.room);
  const reply = (await services.callHost(key, 'leaveRoom', { room: data.room, user: ctx.user })) as ReplyData['leaveRoom'];
  services.nodeRooms.applyMember({ t: 'member', room: key, user: ctx.user, joined: false });
  return reply;
}

export async function rooms(services: NodeServices, ctx: RequestContext): Promise<ReplyData['rooms']> {
  const list = (await services.callHost(null, 'rooms', { user: ctx.user })) as RoomInfo[];
  return { rooms: list.sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Stored in the room's log by the host (masked first, here), then fanned out: `{id, seq, ts}` once stored. */
export async function roomChat(services: NodeServices, ctx: RequestContext, data: RequestData<'roomChat'>): Promise<ReplyData['roomChat']> {
  const args = {
    room: data.room,
    user: ctx.user,
    from: ctx.username,
    message: cleanUserText(services.words, data.message, 'data.message'),
    device: ctx.conn.id,
    ...(data.clientMsgId !== undefined ? { clientMsgId: data.clientMsgId } : {}),
  };
  return (await services.callHost(roomKey(data.room), 'roomChat', args)) as ReplyData['roomChat'];
}
