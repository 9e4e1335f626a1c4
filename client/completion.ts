import { userKey } from '../protocol/actions.js';
import { COMMAND_HELP } from './command-parser.js';

/** User names the client saw lately (senders, recipients, /who), newest first, at most `limit`. */
export class RecentNames {
  readonly #names = new Map<string, string>();

  constructor(private readonly limit: number) {}

  add(name: string): void {
    const key = userKey(name);
    // Delete first: a Map keeps insertion order, so the name moves to the newest end.
    this.#names.delete(key);
    this.#names.set(key, name);
    if (this.#names.size > this.limit) this.#names.delete(this.#names.keys().next().value as string);
  }

  /** Newest first. */
  list(): string[] {
    return [...this.#names.values()].reverse();
  }
}

/** Commands Tab completes, from the /help table, each with the space that follows it. */
const COMMANDS: readonly string[] = [...new Set(COMMAND_HELP.map((c) => /^\/[a-z]+/.exec(c.usage)?.[0]).filter((name): name is string => name !== undefined))];

/** Commands whose first argument is a user name. */
const TAKES_USER = /^(\/to|\/who)\s+(\S*)$/i;

/**
 * readline's completer: `[candidates, the word they complete]`. A word starting with "/" at the
 * start of the line completes to a command; the word after /to or /who to a recent user name.
 */
export function complete(line: string, recent: RecentNames): [string[], string] {
  const trimmed = line.trimStart();
  if (/^\/\S*$/.test(trimmed)) {
    const word = trimmed.toLowerCase();
    return [COMMANDS.filter((name) => name.startsWith(word)).map((name) => `${name} `), trimmed];
  }
  const user = TAKES_USER.exec(trimmed);
  if (user) {
    const word = user[2] ?? '';
    const names = recent.list().filter((name) => userKey(name).startsWith(userKey(word)));
    // The typed part is kept as typed: readline only appends what follows it.
    return [names.map((name) => `${word}${name.slice(word.length)} `), word];
  }
  return [[], line];
}
