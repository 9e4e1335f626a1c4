import { badRequest } from '../../../core/errors.js';
import { SYNC_LIMIT_DEFAULT, type InboxEvent, type LogRead, type ReplyData, type RequestData, type RoomEvent } from '../../../protocol/actions.js';
import type { InboxRead } from '../../inbox/message-log.js';
import { requireRoomMember } from '../../rooms/room-access.js';
import { epochBelongsTo } from '../../inbox/epoch.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/**
 * The device's missed events: everything in its user's inbox after seq `after`, oldest first, at
 * most `limit`. `complete: false` when the log no longer reaches back to the cursor (trimmed by
 * count or age), or the cursor is from an earlier epoch (the log was lost): then the device knows
 * it may have missed something, and takes the current epoch.
 */
export async function sync(services: NodeServices, ctx: RequestContext, data: RequestData<'sync'>): Promise<ReplyData['sync']> {
  const { after, epoch } = data;
  const limit = data.limit ?? SYNC_LIMIT_DEFAULT;
  if (epoch !== undefined && !epochBelongsTo(epoch, ctx.user)) throw badRequest('data.epoch is not an epoch of your inbox: it belongs to another user');
  const roomCursors = Object.entries(data.rooms ?? {});
  const roomKeys = await Promise.all(roomCursors.map(([name]) => requireRoomMember(services, ctx, name)));
  const [read, roomReads] = await Promise.all([
    services.log.read(ctx.user, after, limit, epoch),
    Promise.all(roomCursors.map(([, roomAfter], i) => services.roomLog.read(roomKeys[i]!, roomAfter, limit))),
  ]);
  const inbox = inboxRead(read, after, epoch);
  if (roomCursors.length === 0) return inbox;
  const rooms: Record<string, LogRead<RoomEvent>> = {};
  roomCursors.forEach(([name, roomAfter], i) => {
    const room = roomReads[i]!;
    // A cursor past the head means the room's log was lost and started again: the device takes the new epoch.
    rooms[name] = { events: roomAfter > room.head ? [] : room.events, complete: roomAfter <= room.head && room.firstSeq <= roomAfter + 1, head: room.head, epoch: room.epoch };
  });
  return { ...inbox, rooms };
}

function inboxRead(read: InboxRead, after: number, epoch: string | undefined): LogRead<InboxEvent> {
  if (epoch !== undefined && epoch !== read.epoch) return { events: [], complete: false, head: read.head, epoch: read.epoch };
  if (after > read.head) throw badRequest(`data.after (${after}) is ahead of the inbox head (${read.head})`);
  return { events: read.events, complete: read.firstSeq <= after + 1, head: read.head, epoch: read.epoch };
}
