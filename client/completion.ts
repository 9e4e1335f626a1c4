import { roomKey, userKey } from '../protocol/actions.js';
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
/** Commands whose first argument is a room name (a leading "#" is allowed). */
const TAKES_ROOM = /^\/(join|leave)\s+(#?)(\S*)$/i;

/** Room names Tab offers: /join any room seen (listed, joined, mentioned), /leave the rooms the user is in. */
export interface RoomNames {
  known(): string[];
  joined(): string[];
}

const NO_ROOMS: RoomNames = { known: () => [], joined: () => [] };

/**
 * readline's completer: `[candidates, the word they complete]`. A word starting with "/" at the
 * start of the line completes to a command; the word after /to or /who to a recent user name; the
 * word after /join or /leave to a room name.
 */
export function complete(line: string, recent: RecentNames, rooms: RoomNames = NO_ROOMS): [string[], string] {
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
  const room = TAKES_ROOM.exec(trimmed);
  if (room) {
    const word = room[3] ?? '';
    const names = room[1]?.toLowerCase() === 'leave' ? rooms.joined() : rooms.known();
    const matching = [...new Map(names.map((name) => [roomKey(name), name])).values()].filter((name) => roomKey(name).startsWith(roomKey(word)));
    matching.sort((a, b) => roomKey(a).localeCompare(roomKey(b)));
    return [matching.map((name) => `${word}${name.slice(word.length)} `), word];
  }
  return [[], line];
}
