import { userKey } from '../protocol/actions.js';
import type { ChatClientEvents } from './chat-client-types.js';
import type { DeliveryReceipts } from './delivery-receipts.js';
import * as pushUi from './push-ui.js';
import * as roomUi from './room-ui.js';
import * as ui from './ui.js';

/** A listener for every event of a ChatClient. */
export type ClientEventListeners = { [E in keyof ChatClientEvents]: (...args: ChatClientEvents[E]) => void };

/** What the listeners need of the line session they print into. */
export interface EventScreen {
  readonly me: string;
  /** Own private messages by id, for their ✓✓ once delivered. */
  readonly receipts: DeliveryReceipts;
  /** Prints a line above the prompt. */
  print(text: string): void;
  /** A user name Tab should offer. */
  noteUser(username: string): void;
  /** A room name Tab should offer after /join. */
  noteRoom(room: string): void;
  /** The user is no longer in `room`: plain lines may have to go elsewhere. */
  roomGone(room: string): void;
  /** The login is over: the session ends with `why`. */
  end(outcome: 'sessionEnded' | 'redirected', why: string): void;
}

/**
 * How each event of the client shows in a line session: messages, pushes, receipts and notices
 * as lines above the prompt; a lost session or a redirect ends it.
 */
export function sessionEventListeners(screen: EventScreen): ClientEventListeners {
  const { me } = screen;
  /** Why the connection was lost last, for the first "reconnecting" notice. */
  let lostReason = '';
  let backlogShown = false;
  const backlogHeader = () => {
    if (backlogShown) return;
    backlogShown = true;
    screen.print(ui.renderBacklogHeader());
  };
  return {
    chat: (event, { source }) => {
      if (source === 'backlog') backlogHeader();
      const mine = userKey(event.from) === userKey(me);
      if (mine) screen.receipts.sent(event.id, event.message);
      screen.noteUser(mine ? event.to : event.from);
      screen.print(ui.renderChat(event, me));
    },
    push: (push, { source }) => {
      if (source === 'backlog') backlogHeader();
      screen.print(pushUi.renderPush(push));
    },
    delivered: (event, { source }) => {
      const receipt = screen.receipts.delivered(event);
      // A new device's backlog shows the newest events: a receipt for a message older than those
      // would say nothing it can place.
      if (receipt && !(source === 'backlog' && receipt.message === null)) screen.print(pushUi.renderDelivered(event.to, receipt.message));
    },
    online: (online) => screen.print(pushUi.renderOnline(online)),
    redirectToLogin: ({ reason }) => screen.end('redirected', `the server sent you back to the login${reason ? `: ${reason}` : ''}`),
    gap: (info) => screen.print(ui.renderGap(info)),
    synced: () => undefined,
    roomEvent: (event) => {
      screen.noteRoom(event.data.room);
      screen.noteUser(event.action === 'roomChat' ? event.data.from : event.data.user);
      screen.print(roomUi.renderRoomEvent(event, me));
    },
    roomGap: (info) => screen.print(roomUi.renderRoomGap(info)),
    roomLeft: ({ room }) => {
      screen.print(ui.renderNotice(`you are no longer in #${room} (you left it on another device)`));
      screen.roomGone(room);
    },
    roomsSynced: () => undefined,
    syncFailed: ({ message }) => screen.print(ui.renderNotice(`could not fetch missed messages (${message}); trying again later`)),
    disconnected: ({ reason, willReconnect }) => {
      lostReason = reason;
      if (!willReconnect) screen.end('sessionEnded', `the server ended your session${reason ? `: ${reason}` : ''}`);
    },
    reconnecting: ({ attempt, delayMs, refused }) => {
      const why = lostReason ? ` (${lostReason})` : '';
      const text =
        refused !== undefined
          ? `the server refused the login for now (${refused}), next try in ${ui.formatDelay(delayMs)}…`
          : attempt === 1
            ? `connection lost${why}, reconnecting in ${ui.formatDelay(delayMs)}…`
            : `still no connection, next try in ${ui.formatDelay(delayMs)}…`;
      screen.print(ui.renderNotice(text));
    },
    reconnected: ({ login }) => screen.print(ui.renderSuccess(login ? `reconnected as ${login.username} on ${login.nodeId}` : 'reconnected')),
    sessionLost: ({ message }) => screen.end('sessionEnded', `could not log in again: ${message}`),
    serverError: ({ message }) => screen.print(ui.renderError(`the server says: ${message}`)),
  };
}
