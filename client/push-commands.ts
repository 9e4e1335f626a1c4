import type { ChatClient } from './chat-client.js';
import type { Command } from './command-parser.js';
import * as pushUi from './push-ui.js';
import * as ui from './ui.js';

/** What the push and presence commands need of the chat line. */
export interface PushCommandSession {
  readonly client: ChatClient;
  print(text: string): void;
  /** The `next` of the last /online page shown (null: none, or it was the last). */
  onlineNext: string | null;
}

type PushKind = 'subscriptions' | 'subscribe' | 'online';
type CommandOf<K extends PushKind> = Extract<Command, { kind: K }>;

/** Users per /online page. */
export const ONLINE_PAGE = 50;

/** The runners of /subscribe, /unsubscribe and /online, by command kind. */
export const pushRunners: { [K in PushKind]: (session: PushCommandSession, command: CommandOf<K>) => Promise<void> } = {
  subscriptions: async (session) => {
    try {
      const { off } = await session.client.request('subscriptions', {});
      session.print(pushUi.renderSubscriptions(off));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'subscriptions')));
    }
  },
  subscribe: async (session, { types, on }) => {
    try {
      const { off } = await session.client.request('setSubscriptions', { types: Object.fromEntries(types.map((type) => [type, on])) });
      session.print(pushUi.renderSubscriptionChange(types, on, off));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'setSubscriptions')));
    }
  },
  online: async (session, { more }) => {
    const cursor = more ? session.onlineNext : null;
    if (more && cursor === null) {
      session.print(ui.renderNotice('no more users online to show: /online starts again from the first'));
      return;
    }
    try {
      const page = await session.client.request('onlineUsers', cursor === null ? { limit: ONLINE_PAGE } : { cursor, limit: ONLINE_PAGE });
      session.onlineNext = page.next;
      session.print(pushUi.renderOnlineUsers(page, cursor === null));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'onlineUsers')));
    }
  },
};
