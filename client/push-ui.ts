import chalk from 'chalk';
import type { EventData, ReplyData } from '../protocol/actions.js';
import { formatTime } from './ui.js';

/**
 * Rendering of what is not chat: pushes from the back office (a colour and a flag of their own),
 * delivery receipts, who is online, push subscriptions.
 */

/** The colour of pushes: used by neither chat (cyan, green), rooms (magenta) nor notices (yellow, red). */
export const pushColour = chalk.blueBright;

/** Longest push payload shown; the rest is cut with "…". */
export const PUSH_DATA_MAX = 500;

/** `HH:MM:SS ⚑ [type] data`: a string as it is, anything else as compact JSON. */
export function renderPush(push: EventData['push']): string {
  const data = pushDataText(push.data);
  return `${chalk.gray(formatTime(push.ts))} ${pushColour(`⚑ [${push.type}]`)}${data === '' ? '' : ` ${pushColour(data)}`}`;
}

export function pushDataText(data: unknown): string {
  if (data === undefined || data === null) return '';
  let text: string;
  try {
    text = typeof data === 'string' ? data : (JSON.stringify(data) ?? String(data));
  } catch {
    text = String(data);
  }
  return cut(text, PUSH_DATA_MAX);
}

/** How much of a message a delivery receipt quotes. */
export const DELIVERED_QUOTE = 40;

/** `✓✓ delivered to bob: first 40 characters…`; without the text when this device does not know the message. */
export function renderDelivered(to: string, message: string | null): string {
  const quote = message === null ? '' : `: ${cut(message.replace(/\s+/g, ' '), DELIVERED_QUOTE)}`;
  return chalk.green(`✓✓ delivered to ${to}`) + chalk.gray(quote);
}

/** Names listed per side of an online notice; more are counted. */
export const ONLINE_NAMES_SHOWN = 5;

/** `● 12 online (+alice +carol −bob)`, dimmed. */
export function renderOnline(online: EventData['online']): string {
  const names = [...side('+', online.joined), ...side('−', online.left)];
  return chalk.dim(`● ${online.count} online${names.length > 0 ? ` (${names.join(' ')})` : ''}`);
}

function side(sign: string, names: readonly string[]): string[] {
  const shown = names.slice(0, ONLINE_NAMES_SHOWN).map((name) => `${sign}${name}`);
  const more = names.length - shown.length;
  return more > 0 ? [...shown, `${sign}${more} more`] : shown;
}

/** /online: the count, then one page of names; a hint when there are more. */
export function renderOnlineUsers(page: ReplyData['onlineUsers'], first: boolean): string {
  const head = first ? `${page.count} online` : `${page.count} online, more`;
  const names = page.users.length > 0 ? `: ${page.users.join(', ')}` : '';
  const next = page.next !== null ? chalk.gray(' … /online more for the next page') : '';
  return `${chalk.green('●')} ${head}${names}${next}`;
}

/** The answer to /subscribe (no type): which push types are off. */
export function renderSubscriptions(off: readonly string[]): string {
  if (off.length === 0) return `every push type is on ${chalk.gray('(/unsubscribe TYPE turns one off)')}`;
  return `push types turned off: ${off.map((type) => pushColour(type)).join(', ')} ${chalk.gray('(/subscribe TYPE turns one on)')}`;
}

/** The answer to /subscribe TYPE or /unsubscribe TYPE. */
export function renderSubscriptionChange(types: readonly string[], on: boolean, off: readonly string[]): string {
  const what = `${types.map((type) => pushColour(type)).join(', ')} ${on ? 'on' : 'off'}`;
  const rest = off.length === 0 ? 'every push type is on' : `off: ${off.join(', ')}`;
  return `${chalk.green('pushes')} ${what} ${chalk.gray(`(${rest})`)}`;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
