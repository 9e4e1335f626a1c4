import { Handler } from '../core/handler.js';
import {
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  MESSAGE_MAX,
  POPULAR_LIMIT_DEFAULT,
  POPULAR_LIMIT_MAX,
  PUSH_TYPE_PATTERN,
  ROOM_NAME_PATTERN,
  ROOM_TITLE_MAX,
  USERNAME_PATTERN,
} from '../protocol/actions.js';

/** What the line mode remembers between lines: the current target, a user or a room (at most one of the two is set). */
export interface ParserState {
  /** Who a plain line goes to; set by `/to`. */
  defaultRecipient: string | null;
  /** The room a plain line goes to; set by `/join`, `/create`, or at login (then `defaultRecipient` is null). */
  defaultRoom?: string | null;
}

/** One typed line, understood. Pure data: the caller decides what to do with it. */
export type Command =
  /** `setDefault` is the new default recipient when the line was `/to USER ...`, else null. */
  | { kind: 'chat'; to: string; message: string; setDefault: string | null }
  /** A plain line while the current target is a room. */
  | { kind: 'roomChat'; room: string; message: string }
  | { kind: 'join'; room: string }
  /** `room` null: the current room. */
  | { kind: 'leave'; room: string | null }
  | { kind: 'create'; room: string; title: string | null }
  | { kind: 'rooms' }
  /** The current conversation's last `count` messages. */
  | { kind: 'history'; count: number }
  | { kind: 'hot'; count: number }
  | { kind: 'who'; username: string }
  /** `/subscribe` alone: list the push types turned off. */
  | { kind: 'subscriptions' }
  /** `/subscribe TYPE…` (on) or `/unsubscribe TYPE…` (off). */
  | { kind: 'subscribe'; types: string[]; on: boolean }
  /** `/online`, or `/online more` for the page after the last one shown. */
  | { kind: 'online'; more: boolean }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string };

export type CommandKind = Command['kind'];

/** Slash commands shown by `/help`; the parser's table below is keyed by the same names. */
export const COMMAND_HELP: readonly { usage: string; description: string }[] = [
  { usage: 'MESSAGE', description: 'send MESSAGE to the current room or user (shown in the prompt)' },
  { usage: '/join ROOM', description: 'join ROOM, show its recent messages; later plain lines go to ROOM' },
  { usage: '/create ROOM TITLE', description: 'create ROOM (TITLE is optional) and go there' },
  { usage: '/leave ROOM', description: 'leave ROOM (without ROOM: the current room)' },
  { usage: '/rooms', description: 'list the rooms: title, members, online, ✓ where you are in' },
  { usage: '/to USER MESSAGE', description: 'send MESSAGE to USER; later plain lines go to USER too' },
  { usage: '/history', description: `the last ${HISTORY_LIMIT_DEFAULT} messages here (/history N: the last N, at most ${HISTORY_LIMIT_MAX})` },
  { usage: '/hot', description: `the ${POPULAR_LIMIT_DEFAULT} most used words (/hot N: the top N)` },
  { usage: '//MESSAGE', description: 'send a message that starts with "/"' },
  { usage: '/who USER', description: 'show whether USER is online, on which node, since when' },
  { usage: '/online', description: 'how many users are online, and the first of them (/online more: the next ones)' },
  { usage: '/subscribe', description: 'list the push types you turned off' },
  { usage: '/subscribe TYPE', description: 'show pushes of TYPE again' },
  { usage: '/unsubscribe TYPE', description: 'stop pushes of TYPE (the server no longer sends or keeps them for you)' },
  { usage: '/help', description: 'show this list' },
  { usage: '/quit', description: 'log out and leave' },
];

const USERNAME_RULE = '3-32 letters, digits, "_", "." or "-"';
const ROOM_RULE = '1-32 letters, digits, "_" or "-"';
const PUSH_TYPE_RULE = '1-32 of a-z, 0-9, "_", "." or "-"';
/** Types one setSubscriptions may name. */
const PUSH_TYPES_MAX = 100;

/** Whether `line` is a message for the default recipient rather than a command; "//" escapes a message that really starts with "/". */
export function isPlainMessage(line: string): boolean {
  const text = line.trim();
  return text !== '' && (!text.startsWith('/') || text.startsWith('//'));
}

export function parseCommand(line: string, state: ParserState): Command {
  const text = line.trim();
  if (text === '') return { kind: 'empty' };
  if (isPlainMessage(text)) return plainMessage(text.startsWith('//') ? text.slice(1) : text, state);

  const [name, args] = splitFirstWord(text.slice(1));
  if (name === '') return invalid('type a command after "/", for example /help');
  // Every table entry returns a Command, so the dispatcher's `unknown` is one.
  return slashCommands.dispatch(name.toLowerCase(), state, args) as Command;
}

type SlashCommand = (state: ParserState, args: string) => Command;

const slashTable: Record<string, SlashCommand> = {
  to: (_state, args) => {
    const [to, message] = splitFirstWord(args);
    if (to === '') return invalid('usage: /to USER MESSAGE');
    const badName = checkUsername(to);
    if (badName) return badName;
    if (message === '') return invalid(`what should go to ${to}? use /to ${to} MESSAGE`);
    return chat(to, message, to);
  },
  who: (_state, args) => {
    const [username, rest] = splitFirstWord(args);
    if (username === '' || rest !== '') return invalid('usage: /who USER');
    return checkUsername(username) ?? { kind: 'who', username };
  },
  join: (_state, args) => {
    const [room, rest] = splitFirstWord(args);
    if (room === '' || rest !== '') return invalid('usage: /join ROOM');
    return roomName(room, (name) => ({ kind: 'join', room: name }));
  },
  leave: (_state, args) => {
    const [room, rest] = splitFirstWord(args);
    if (rest !== '') return invalid('usage: /leave ROOM, or /leave for the current room');
    return room === '' ? { kind: 'leave', room: null } : roomName(room, (name) => ({ kind: 'leave', room: name }));
  },
  create: (_state, args) => {
    const [room, title] = splitFirstWord(args);
    if (room === '') return invalid('usage: /create ROOM TITLE (the title is optional)');
    if (title.length > ROOM_TITLE_MAX) return invalid(`the title is too long: ${title.length} characters, at most ${ROOM_TITLE_MAX} fit`);
    return roomName(room, (name) => ({ kind: 'create', room: name, title: title === '' ? null : title }));
  },
  rooms: () => ({ kind: 'rooms' }),
  history: (_state, args) => {
    const count = countArg(args, HISTORY_LIMIT_DEFAULT, HISTORY_LIMIT_MAX);
    return count === null ? invalid(`usage: /history N, N from 1 to ${HISTORY_LIMIT_MAX} (default ${HISTORY_LIMIT_DEFAULT})`) : { kind: 'history', count };
  },
  hot: (_state, args) => {
    const count = countArg(args, POPULAR_LIMIT_DEFAULT, POPULAR_LIMIT_MAX);
    return count === null ? invalid(`usage: /hot N, N from 1 to ${POPULAR_LIMIT_MAX} (default ${POPULAR_LIMIT_DEFAULT})`) : { kind: 'hot', count };
  },
  online: (_state, args) => {
    if (args === '') return { kind: 'online', more: false };
    return args.toLowerCase() === 'more' ? { kind: 'online', more: true } : invalid('usage: /online, or /online more for the next page');
  },
  subscribe: (_state, args) => (args === '' ? { kind: 'subscriptions' } : pushTypes(args, true)),
  unsubscribe: (_state, args) => (args === '' ? invalid('usage: /unsubscribe TYPE (/subscribe lists the types turned off)') : pushTypes(args, false)),
  help: () => ({ kind: 'help' }),
  quit: () => ({ kind: 'quit' }),
};

const slashCommands = new Handler<ParserState>(slashTable, (_state, _args, name): Command => {
  return invalid(`unknown command "/${cut(name)}": type /help for the list`);
});

function plainMessage(message: string, state: ParserState): Command {
  const room = state.defaultRoom ?? null;
  if (room !== null) return tooLong(message) ?? { kind: 'roomChat', room, message };
  if (state.defaultRecipient === null) return invalid('who to? use /to USER MESSAGE first');
  return chat(state.defaultRecipient, message, null);
}

function chat(to: string, message: string, setDefault: string | null): Command {
  return tooLong(message) ?? { kind: 'chat', to, message, setDefault };
}

function tooLong(message: string): Command | null {
  return message.length > MESSAGE_MAX ? invalid(`the message is too long: ${message.length} characters, at most ${MESSAGE_MAX} fit`) : null;
}

/** A room name as typed ("#lobby" or "lobby"), checked against the protocol's pattern. */
function roomName(typed: string, then: (name: string) => Command): Command {
  const name = typed.startsWith('#') ? typed.slice(1) : typed;
  return ROOM_NAME_PATTERN.test(name) ? then(name) : invalid(`"${cut(typed)}" is not a valid room name: use ${ROOM_RULE}`);
}

/** Push types as typed (several may be given; case does not matter), checked against the protocol's pattern. */
function pushTypes(args: string, on: boolean): Command {
  const types = [...new Set(args.split(/\s+/).map((type) => type.toLowerCase()))];
  const bad = types.find((type) => !PUSH_TYPE_PATTERN.test(type));
  if (bad !== undefined) return invalid(`"${cut(bad)}" is not a push type: use ${PUSH_TYPE_RULE}`);
  if (types.length > PUSH_TYPES_MAX) return invalid(`at most ${PUSH_TYPES_MAX} types at once`);
  return { kind: 'subscribe', types, on };
}

/** An optional count: `fallback` when absent, null when it is not a whole number from 1 to `max`. */
function countArg(args: string, fallback: number, max: number): number | null {
  if (args === '') return fallback;
  if (!/^\d{1,6}$/.test(args)) return null;
  const count = Number(args);
  return count >= 1 && count <= max ? count : null;
}

function checkUsername(name: string): Command | null {
  return USERNAME_PATTERN.test(name) ? null : invalid(`"${cut(name)}" is not a valid username: use ${USERNAME_RULE}`);
}

function invalid(reason: string): Command {
  return { kind: 'invalid', reason };
}

/** Keeps an echoed word short enough for one line. */
function cut(word: string): string {
  return word.length > 40 ? `${word.slice(0, 40)}…` : word;
}

/** "a  b c" → ["a", "b c"]: the first word and the rest, both trimmed. */
function splitFirstWord(text: string): [string, string] {
  const trimmed = text.trim();
  const space = trimmed.search(/\s/);
  if (space === -1) return [trimmed, ''];
  return [trimmed.slice(0, space), trimmed.slice(space).trim()];
}
