import { HISTORY_LIMIT_MAX, type HistoryPage, type ReplyData, type RequestData } from '../protocol/actions.js';
import type { ChatClient } from './chat-client.js';
import type { Command } from './command-parser.js';
import * as roomUi from './room-ui.js';
import { sendRoomChat } from './send-chat.js';
import * as ui from './ui.js';

/** What the room commands need of the chat line. */
export interface RoomCommandSession {
  readonly client: ChatClient;
  readonly me: string;
  print(text: string): void;
  /** The room plain lines go to, or null. */
  readonly currentRoom: string | null;
  /** The user plain lines go to, or null. */
  readonly currentRecipient: string | null;
  /** Plain lines go to `room` from now on. */
  setRoom(room: string): void;
  /** The user is no longer in `room`: if plain lines went there, they go to another room (or nowhere) now. */
  roomGone(room: string): void;
  /** A room name Tab should offer. */
  noteRoom(room: string): void;
  noteUser(username: string): void;
}

type RoomKind = 'roomChat' | 'join' | 'leave' | 'create' | 'rooms' | 'history' | 'hot';
type CommandOf<K extends RoomKind> = Extract<Command, { kind: K }>;

/** The runners of the room, history and hot-word commands, by command kind. */
export const roomRunners: { [K in RoomKind]: (session: RoomCommandSession, command: CommandOf<K>) => Promise<void> } = {
  roomChat: async (session, { room, message }) => {
    try {
      const sent = await sendRoomChat(session.client, room, message);
      if (!sent.alreadyShown) session.print(roomUi.renderRoomSent(room, message, sent, session.me));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'roomChat', room)));
    }
  },
  join: async (session, { room }) => {
    try {
      const reply = await session.client.request('joinRoom', { room });
      session.noteRoom(reply.room.name);
      for (const message of reply.recent) session.noteUser(message.from);
      session.print(roomUi.renderJoined(reply, session.me));
      session.setRoom(reply.room.name);
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'joinRoom', room)));
    }
  },
  create: async (session, { room, title }) => {
    try {
      const reply = await session.client.request('createRoom', title === null ? { name: room } : { name: room, title });
      session.noteRoom(reply.room.name);
      session.print(roomUi.renderCreated(reply.room));
      session.setRoom(reply.room.name);
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'createRoom', room)));
    }
  },
  leave: async (session, { room }) => {
    const target = room ?? session.currentRoom;
    if (target === null) {
      session.print(ui.renderError('which room? use /leave ROOM'));
      return;
    }
    try {
      const reply = await session.client.request('leaveRoom', { room: target });
      session.print(roomUi.renderLeft(reply.room));
      session.roomGone(reply.room);
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'leaveRoom', target)));
    }
  },
  rooms: async (session) => {
    try {
      const { rooms } = await session.client.request('rooms', {});
      for (const room of rooms) session.noteRoom(room.name);
      session.print(roomUi.renderRoomsTable(rooms));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'rooms')));
    }
  },
  history: async (session, { count }) => {
    const conversation: roomUi.Conversation | null =
      session.currentRoom !== null ? { room: session.currentRoom } : session.currentRecipient !== null ? { with: session.currentRecipient } : null;
    if (conversation === null) {
      session.print(ui.renderError('history of what? /join ROOM or /to USER MESSAGE first'));
      return;
    }
    try {
      const messages = await fetchHistory(session.client, conversation, count);
      session.print(roomUi.renderHistory(conversation, messages, session.me));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'history')));
    }
  },
  hot: async (session, { count }) => {
    try {
      const { words } = await session.client.request('popular', { limit: count });
      session.print(roomUi.renderHot(words));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'popular')));
    }
  },
};

/** What fetchHistory needs of a client. */
export interface HistorySource {
  request(action: 'history', data: RequestData<'history'>): Promise<ReplyData['history']>;
}

/**
 * The newest `count` messages of a conversation, oldest first: pages back (`before`) while a
 * page holds fewer than are still wanted and the server has older ones.
 */
export async function fetchHistory(client: HistorySource, conversation: roomUi.Conversation, count: number): Promise<HistoryPage['messages']> {
  const pages: HistoryPage['messages'][] = [];
  let total = 0;
  let before: string | undefined;
  while (total < count) {
    const limit = Math.min(count - total, HISTORY_LIMIT_MAX);
    const page = await client.request('history', before === undefined ? { conversation, limit } : { conversation, limit, before });
    pages.unshift(page.messages);
    total += page.messages.length;
    if (page.next === null || page.messages.length === 0) break;
    before = page.next;
  }
  return pages.flat().slice(-count);
}
