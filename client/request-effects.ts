import type { ClientAction, ReplyData, RequestData } from '../protocol/actions.js';
import type { InboxSync } from './inbox-sync.js';
import { isRoomInfo, readJoinReply } from './room-frames.js';
import type { RoomSync } from './room-sync.js';

/** What this device's own requests change, beyond their reply. */
export interface RequestEffectsHost {
  readonly inbox: Pick<InboxSync, 'sent'>;
  readonly rooms: Pick<RoomSync, 'joining' | 'joined' | 'leaving' | 'leftRoom' | 'sent' | 'created' | 'learnNames'>;
  /** The inbox cursor may have moved (an own message counts as processed). */
  processed(): void;
  /** A login or resume was answered; `credentials`: it was a password login. */
  loggedIn(login: ReplyData['login'], credentials?: RequestData<'login'>): void;
  /** The person logged out: nothing of the login stays, even when the answer is lost. */
  loggedOut(): void;
}

/** What to tell once the request was answered, or failed (no answer, an error frame, a close). */
export interface RequestOutcome {
  answered(reply: unknown): void;
  failed(): void;
}

/**
 * Tells the syncs and the saved login of a request this device sends: joins and leaves before
 * they are sent (events of the room meanwhile wait for the answer) and after; own messages, rooms
 * created and listed, logins, resumes and logouts once answered. Called before the request is sent.
 */
export function trackRequest(host: RequestEffectsHost, action: ClientAction, data: unknown): RequestOutcome {
  const settle = beforeRequest(host, action, data);
  return {
    answered(reply) {
      settle(reply);
      afterReply(host, action, data, reply);
    },
    failed: () => settle(null),
  };
}

/** A request that changes which rooms this device is in: the room sync hears of it before it is sent, and of its answer (null: it failed). */
function beforeRequest(host: RequestEffectsHost, action: ClientAction, data: unknown): (reply: unknown) => void {
  if (action === 'joinRoom') {
    const { room } = data as RequestData<'joinRoom'>;
    host.rooms.joining(room);
    return (reply) => host.rooms.joined(room, reply === null ? null : readJoinReply(reply));
  }
  if (action === 'leaveRoom') {
    const { room } = data as RequestData<'leaveRoom'>;
    host.rooms.leaving(room);
    return (reply) => host.rooms.leftRoom(room, reply !== null);
  }
  if (action === 'logout') return () => host.loggedOut();
  return () => undefined;
}

/** The reply's type follows from `action`. */
function afterReply(host: RequestEffectsHost, action: ClientAction, data: unknown, reply: unknown): void {
  switch (action) {
    case 'login':
      host.loggedIn(reply as ReplyData['login'], data as RequestData<'login'>);
      return;
    case 'resume':
      host.loggedIn(reply as ReplyData['resume']);
      return;
    case 'chat':
      // The device's own message: processed, so a sync that returns it does not show it again.
      host.inbox.sent(reply as ReplyData['chat']);
      host.processed();
      return;
    case 'roomChat':
      host.rooms.sent((data as RequestData<'roomChat'>).room, reply as ReplyData['roomChat']);
      return;
    case 'createRoom': {
      const { room } = reply as Partial<ReplyData['createRoom']>;
      if (isRoomInfo(room)) host.rooms.created(room);
      return;
    }
    case 'rooms': {
      const { rooms } = reply as Partial<ReplyData['rooms']>;
      if (Array.isArray(rooms)) host.rooms.learnNames(rooms.filter(isRoomInfo));
      return;
    }
    default:
  }
}
