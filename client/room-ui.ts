import chalk from 'chalk';
import { userKey, type ChatMessage, type HistoryPage, type ReplyData, type RoomEvent, type RoomInfo, type RoomMessage } from '../protocol/actions.js';
import type { RoomGapInfo } from './chat-client-types.js';
import { formatTime, renderChat, renderGap, roomColour } from './ui.js';

/** Rendering of rooms: their messages, joins and leaves, listings, history, hot words. */

export const roomTag = (room: string): string => roomColour(`#${room}`);

const isMe = (user: string, me: string): boolean => userKey(user) === userKey(me);

/** `HH:MM:SS #room alice: text`; the user's own (sent from another device, or recovered by a sync) `#room you: text ✓`. */
export function renderRoomChat(message: RoomMessage, me: string): string {
  const time = chalk.gray(formatTime(message.ts));
  if (isMe(message.from, me)) return `${time} ${roomTag(message.room)} ${chalk.green('you')}: ${message.message} ${chalk.green('✓')}`;
  return `${time} ${roomTag(message.room)} ${chalk.cyan.bold(message.from)}: ${message.message}`;
}

/** A room message this device sent, once the server stored it. */
export function renderRoomSent(room: string, message: string, reply: ReplyData['roomChat'], me: string): string {
  return renderRoomChat({ id: reply.id, room, from: me, message, format: 'text', ts: reply.ts }, me);
}

/** Any room event; joins and leaves dimmed: `HH:MM:SS #room bob joined`. */
export function renderRoomEvent(event: RoomEvent, me: string): string {
  if (event.action === 'roomChat') return renderRoomChat(event.data, me);
  const { room, user, ts } = event.data;
  const who = isMe(user, me) ? 'you' : user;
  const what = event.action === 'roomJoin' ? 'joined' : 'left';
  return chalk.dim(`${formatTime(ts)} ${roomTag(room)} ${who} ${what}`);
}

export function renderRoomGap(info: RoomGapInfo): string {
  return `${roomTag(info.room)} ${renderGap(info)}`;
}

/** The answer to /join: the room, then its recent messages. */
export function renderJoined(reply: ReplyData['joinRoom'], me: string): string {
  const { room, recent } = reply;
  const lines = [`${chalk.green('joined')} ${roomTag(room.name)} ${chalk.green(describeRoom(room))}`];
  if (recent.length > 0) lines.push(chalk.gray(`— recent in #${room.name} —`), ...recent.map((message) => renderRoomChat(message, me)));
  return lines.join('\n');
}

export function renderCreated(room: RoomInfo): string {
  const title = room.title !== room.name ? ` "${room.title}"` : '';
  return `${chalk.green('created')} ${roomTag(room.name)}${chalk.green(`${title}: you are its first member`)}`;
}

export function renderLeft(room: string): string {
  return `${chalk.green('left')} ${roomTag(room)}`;
}

function describeRoom(room: RoomInfo): string {
  const title = room.title !== room.name ? `"${room.title}", ` : '';
  const members = room.world ? 'everyone' : room.members === 1 ? '1 member' : `${room.members} members`;
  return `(${title}${members}, ${room.online} online)`;
}

/** /rooms: one row per room, ✓ where the user is a member. */
export function renderRoomsTable(rooms: readonly RoomInfo[]): string {
  if (rooms.length === 0) return chalk.gray('there are no rooms yet: /create ROOM makes one');
  const title = (room: RoomInfo) => (room.title.length > 40 ? `${room.title.slice(0, 39)}…` : room.title);
  const members = (room: RoomInfo) => (room.world ? 'everyone' : String(room.members));
  const widths = {
    name: Math.max(4, ...rooms.map((room) => room.name.length + 1)),
    title: Math.max(5, ...rooms.map((room) => title(room).length)),
    members: Math.max(7, ...rooms.map((room) => members(room).length)),
  };
  const header = chalk.gray(`  ${'room'.padEnd(widths.name)}  ${'title'.padEnd(widths.title)}  ${'members'.padStart(widths.members)}  online`);
  const rows = rooms.map((room) => {
    const mark = room.joined ? chalk.green('✓') : ' ';
    // Padded before colouring: escape codes have no width on screen.
    const name = roomColour(`#${room.name}`.padEnd(widths.name));
    return `${mark} ${name}  ${title(room).padEnd(widths.title)}  ${members(room).padStart(widths.members)}  ${String(room.online).padStart(6)}`;
  });
  return [header, ...rows].join('\n');
}

/** What /history is about. */
export type Conversation = { room: string } | { with: string };

export function conversationLabel(conversation: Conversation): string {
  return 'room' in conversation ? `#${conversation.room}` : `you and ${conversation.with}`;
}

/** /history: the messages oldest first, under a header naming the conversation. */
export function renderHistory(conversation: Conversation, messages: HistoryPage['messages'], me: string): string {
  const label = conversationLabel(conversation);
  if (messages.length === 0) return chalk.gray(`no messages yet in ${label}`);
  const count = messages.length === 1 ? 'the last message' : `the last ${messages.length} messages`;
  return [chalk.gray(`— ${count} of ${label} —`), ...messages.map((message) => renderHistoryMessage(message, me))].join('\n');
}

function renderHistoryMessage(message: ChatMessage | RoomMessage, me: string): string {
  return 'room' in message ? renderRoomChat(message, me) : renderChat(message, me);
}

/** /hot: rank, word, count. */
export function renderHot(words: ReplyData['popular']['words']): string {
  if (words.length === 0) return chalk.gray('no hot words yet');
  const width = Math.max(...words.map((entry) => entry.word.length));
  const rank = String(words.length).length;
  const rows = words.map((entry, i) => `  ${String(i + 1).padStart(rank)}. ${chalk.bold(entry.word.padEnd(width))}  ${entry.count}`);
  return ['hot words:', ...rows].join('\n');
}
