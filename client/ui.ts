import { input, password, select } from '@inquirer/prompts';
import chalk from 'chalk';
import { ZkchatError } from '../core/errors.js';
import { MESSAGE_MAX, PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN, userKey, type ChatMessage, type ClientAction, type ReplyData } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import type { GapInfo } from './chat-client-types.js';
import { COMMAND_HELP } from './command-parser.js';
import { ConnectionError } from './errors.js';
import { checkAddress } from './server-address.js';
import { processTerminal, type Terminal } from './terminal.js';

// Prompts -------------------------------------------------------------------

/** Where inquirer's prompts read and write: the terminal the client runs in, or a test's. */
type PromptContext = Pick<Terminal, 'input' | 'output'>;

export async function askServerUrl(defaultUrl: string, terminal: PromptContext = processTerminal()): Promise<string> {
  const url = await input({ message: 'Gateway or server', default: defaultUrl, validate: checkServerUrl }, terminal);
  return url.trim();
}

export type AccountChoice = 'login' | 'register';

export function askAccountChoice(terminal: PromptContext = processTerminal()): Promise<AccountChoice> {
  return select<AccountChoice>(
    {
      message: 'Account',
      choices: [
        { name: 'log in', value: 'login' },
        { name: 'register a new account', value: 'register' },
      ],
    },
    terminal,
  );
}

export async function askUsername(terminal: PromptContext = processTerminal()): Promise<string> {
  const username = await input({ message: 'Username', validate: (value) => USERNAME_PATTERN.test(value.trim()) || '3-32 letters, digits, "_", "." or "-"' }, terminal);
  return username.trim();
}

/** After a refused password, the prompt says so, and an empty answer goes back to the account menu. */
export function askPassword(terminal: PromptContext = processTerminal(), again = false): Promise<string> {
  const fits = (value: string) => value.length >= PASSWORD_MIN && value.length <= PASSWORD_MAX;
  return password(
    {
      message: again ? 'Password, again (empty: back to the account menu)' : 'Password',
      mask: '*',
      validate: (value) => fits(value) || (again && value === '') || `${PASSWORD_MIN}-${PASSWORD_MAX} characters`,
    },
    terminal,
  );
}

/** Inquirer rejects with this when the person presses Ctrl-C in a prompt. */
export function isPromptCancelled(err: unknown): boolean {
  return err instanceof Error && err.name === 'ExitPromptError';
}

function checkServerUrl(value: string): true | string {
  return checkAddress(value) ?? true;
}

// Rendering -----------------------------------------------------------------

/** Local wall-clock time, HH:MM:SS. */
export function formatTime(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** A message of the inbox; the user's own (sent from any device) read `you → bob: text ✓`. */
export function renderChat(event: ChatMessage, me: string): string {
  const time = chalk.gray(formatTime(event.ts));
  if (isFromMe(event, me)) return `${time} ${chalk.green(`you → ${event.to}`)}: ${event.message} ${chalk.green('✓')}`;
  return `${time} ${chalk.cyan.bold(event.from)}: ${event.message}`;
}

/** A message this device sent, once the server stored it; notes when the recipient gets it later. */
export function renderSent(to: string, message: string, reply: ReplyData['chat'], me: string): string {
  const line = renderChat({ id: reply.id, from: me, to, message, format: 'text', ts: reply.ts }, me);
  return reply.online ? line : `${line} ${renderOffline(to)}`;
}

export function renderOffline(to: string): string {
  return chalk.gray(`(${to} is offline: delivered at their next login)`);
}

export const renderBacklogHeader = (): string => chalk.gray('— while you were away —');

export function renderGap(info: GapInfo): string {
  const what = info.missed === null ? 'some messages' : info.missed === 1 ? '1 message' : `${info.missed} messages`;
  const why = info.reason === 'reset' ? 'the server lost its message log' : 'the server no longer keeps them';
  return chalk.yellow(`${what} could not be recovered: ${why}`);
}

function isFromMe(event: ChatMessage, me: string): boolean {
  return userKey(event.from) === userKey(me);
}

export function renderWho(info: ReplyData['userInfo']): string {
  if (!info.online) return `${chalk.bold(info.username)} is ${chalk.gray('offline')}`;
  const since = info.loginAt === null ? '' : ` since ${formatTime(info.loginAt)}`;
  const devices = info.devices > 1 ? `, on ${info.devices} devices` : '';
  return `${chalk.bold(info.username)} is ${chalk.green('online')} on ${info.nodeId ?? 'an unknown node'}${since}${devices}`;
}

export function renderHelp(): string {
  const width = Math.max(...COMMAND_HELP.map((c) => c.usage.length));
  const lines = COMMAND_HELP.map((c) => `  ${chalk.cyan(c.usage.padEnd(width))}  ${c.description}`);
  return ['commands:', ...lines, chalk.gray('  Tab completes commands, user names after /to and /who, room names after /join and /leave')].join('\n');
}

/** Why typed or pasted text stopped at `maxChars`. */
export function inputCutNotice(maxChars: number): string {
  return `input cut at ${maxChars} characters (a message holds at most ${MESSAGE_MAX}): the rest was dropped`;
}

export const renderNotice = (text: string): string => chalk.yellow(text);
export const renderError = (text: string): string => chalk.red(text);
export const renderSuccess = (text: string): string => chalk.green(text);

export function promptText(defaultRecipient: string | null): string {
  return defaultRecipient === null ? '> ' : `${chalk.gray('[to ')}${chalk.cyan(defaultRecipient)}${chalk.gray(']')}> `;
}

/** The colour of room names, wherever they appear: distinct from the user names of private messages. */
export const roomColour = chalk.magenta;

/** The prompt while plain lines go to a room: `[#lobby]> `. */
export function roomPromptText(room: string): string {
  return `${chalk.gray('[')}${roomColour(`#${room}`)}${chalk.gray(']')}> `;
}

export function formatDelay(ms: number): string {
  const seconds = ms / 1000;
  return seconds < 0.95 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds)} s`;
}

/**
 * A failed request in words, never a stack or a bare code. `subject` is the user the request
 * was about, where there is one.
 */
export function errorSentence(err: unknown, action: ClientAction, subject?: string): string {
  if (err instanceof ConnectionError) return err.message;
  if (!(err instanceof ZkchatError)) return `something went wrong: ${err instanceof Error ? err.message : String(err)}`;
  if (ROOM_ACTIONS.has(action) && subject) {
    const sentence = roomErrorSentence(err.code, action, subject);
    if (sentence) return sentence;
  }
  switch (err.code) {
    case ErrorCode.UNAUTHORIZED:
      return action === 'login' ? 'wrong username or password' : 'you are not logged in';
    case ErrorCode.NOT_FOUND:
      if ((action === 'chat' || action === 'userInfo') && subject) return `there is no user named ${subject}`;
      return err.message;
    case ErrorCode.CONFLICT:
      return 'that name is taken';
    case ErrorCode.RATE_LIMITED:
      return 'slow down';
    case ErrorCode.UNAVAILABLE:
      return 'the server is busy, try again';
    default:
      return err.message;
  }
}

/** Actions whose `subject` is a room. */
const ROOM_ACTIONS: ReadonlySet<ClientAction> = new Set<ClientAction>(['createRoom', 'joinRoom', 'leaveRoom', 'roomChat']);

function roomErrorSentence(code: number, action: ClientAction, room: string): string | null {
  switch (code) {
    case ErrorCode.NOT_FOUND:
      return `there is no room named ${room}: /rooms lists them, /create ${room} makes it`;
    case ErrorCode.FORBIDDEN:
      return `you are not in #${room}: /join ${room} first`;
    case ErrorCode.CONFLICT:
      return action === 'createRoom' ? `a room named ${room} exists already: /join ${room}` : null;
    default:
      return null;
  }
}
