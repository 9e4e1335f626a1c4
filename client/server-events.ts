import { Handler } from '../core/handler.js';
import type { Logger } from '../core/logger.js';
import { isChatEventData, type EventData, type InboxEvent, type RoomEvent } from '../protocol/actions.js';
import type { ServerFrame } from '../protocol/frames.js';
import { readDelivered, readOnline, readPush, readRedirect } from './push-frames.js';
import { readRoomEvent } from './room-frames.js';
import { readErrorData } from './server-frames.js';

/** Where the events a server sends go, read and checked. */
export interface ServerEventSink {
  /** A chat, or a push or receipt with a seq: an event of the inbox. */
  inboxEvent(event: InboxEvent): void;
  /** A push with no seq: shown as it comes. */
  broadcast(push: EventData['push']): void;
  /** A receipt with no seq (a server that does not store them): shown as it comes. */
  delivered(event: EventData['delivered']): void;
  online(event: EventData['online']): void;
  redirectToLogin(event: EventData['redirectToLogin']): void;
  roomEvent(event: RoomEvent): void;
  /** An error frame that answers no waiting request. */
  serverError(error: { code: number; message: string }): void;
}

/**
 * Routes the frames that answer no request (events, unclaimed errors) by action to `sink`, each
 * payload checked first: one that cannot be read is logged and dropped, an unknown action ignored.
 */
export function serverEventRouter(sink: ServerEventSink, logger: Logger): Handler<ServerFrame> {
  const malformed = (what: string, data: unknown) => logger.warn(`malformed ${what} event`, { data });
  const room = (_frame: ServerFrame, data: unknown, action: string) => {
    const event = readRoomEvent(action, data);
    if (event) sink.roomEvent(event);
    else logger.warn('malformed room event', { action, data });
  };
  return new Handler<ServerFrame>(
    {
      error: (frame: ServerFrame) => sink.serverError(readErrorData(frame.data)),
      chat: (_frame: ServerFrame, data: unknown) => {
        if (isChatEventData(data)) sink.inboxEvent({ action: 'chat', data });
        else malformed('chat', data);
      },
      push: (_frame: ServerFrame, data: unknown) => {
        const push = readPush(data);
        if (!push) malformed('push', data);
        else if (push.seq === undefined) sink.broadcast(push);
        else sink.inboxEvent({ action: 'push', data: { ...push, seq: push.seq } });
      },
      delivered: (_frame: ServerFrame, data: unknown) => {
        const delivered = readDelivered(data);
        if (!delivered) malformed('delivered', data);
        else if (delivered.seq === undefined) sink.delivered(delivered);
        else sink.inboxEvent({ action: 'delivered', data: { id: delivered.id, to: delivered.to, seq: delivered.seq } });
      },
      online: (_frame: ServerFrame, data: unknown) => {
        const online = readOnline(data);
        if (online) sink.online(online);
        else malformed('online', data);
      },
      redirectToLogin: (_frame: ServerFrame, data: unknown) => sink.redirectToLogin(readRedirect(data)),
      roomChat: room,
      roomJoin: room,
      roomLeave: room,
    },
    (_frame, _data, action) => logger.debug('ignored unknown event', { action }),
  );
}
