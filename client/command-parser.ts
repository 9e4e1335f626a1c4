import { Handler } from '../core/handler.js';
import { MESSAGE_MAX, USERNAME_PATTERN } from '../protocol/actions.js';

/** What the line mode remembers between lines. */
export interface ParserState {
  /** Who a plain line goes to; set by `/to`. */
  defaultRecipient: string | null;
}

/** One typed line, understood. Pure data: the caller decides what to do with it. */
export type Command =
  /** `setDefault` is the new default recipient when the line was `/to USER ...`, else null. */
  | { kind: 'chat'; to: string; message: string; setDefault: string | null }
  | { kind: 'who'; username: string }
  | { kind: 'help' }
  | { kind: 'quit' }
  | { kind: 'notYet'; feature: string }
  | { kind: 'empty' }
  | { kind: 'invalid'; reason: string };

export type CommandKind = Command['kind'];

/** Slash commands shown by `/help`; the parser's table below is keyed by the same names. */
export const COMMAND_HELP: readonly { usage: string; description: string }[] = [
  { usage: '/to USER MESSAGE', description: 'send MESSAGE to USER; later plain lines go to USER too' },
  { usage: 'MESSAGE', description: 'send MESSAGE to the last /to recipient' },
  { usage: '//MESSAGE', description: 'send a message that starts with "/"' },
  { usage: '/who USER', description: 'show whether USER is online, on which node, since when' },
  { usage: '/help', description: 'show this list' },
  { usage: '/quit', description: 'log out and leave' },
];

/** Room and history commands the protocol does not carry yet. */
export const NOT_YET_COMMANDS: readonly string[] = ['join', 'leave', 'rooms', 'hot', 'history'];

const USERNAME_RULE = '3-32 letters, digits, "_", "." or "-"';

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
  help: () => ({ kind: 'help' }),
  quit: () => ({ kind: 'quit' }),
  ...Object.fromEntries(NOT_YET_COMMANDS.map((name): [string, SlashCommand] => [name, () => ({ kind: 'notYet', feature: `/${name}` })])),
};

const slashCommands = new Handler<ParserState>(slashTable, (_state, _args, name): Command => {
  return invalid(`unknown command "/${cut(name)}": type /help for the list`);
});

function plainMessage(message: string, state: ParserState): Command {
  if (state.defaultRecipient === null) return invalid('who to? use /to USER MESSAGE first');
  return chat(state.defaultRecipient, message, null);
}

function chat(to: string, message: string, setDefault: string | null): Command {
  if (message.length > MESSAGE_MAX) {
    return invalid(`the message is too long: ${message.length} characters, at most ${MESSAGE_MAX} fit`);
  }
  return { kind: 'chat', to, message, setDefault };
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
