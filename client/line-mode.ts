import * as readline from 'node:readline';
import { Handler } from '../core/handler.js';
import { roomKey, userKey } from '../protocol/actions.js';
import type { ChatClient, ChatClientEvents } from './chat-client.js';
import { isPlainMessage, parseCommand, type Command, type CommandKind, type ParserState } from './command-parser.js';
import { complete, RecentNames } from './completion.js';
import { DeliveryReceipts } from './delivery-receipts.js';
import { InputGuard } from './input-guard.js';
import { PromptScreen } from './prompt-screen.js';
import { pushRunners, type PushCommandSession } from './push-commands.js';
import { roomRunners, type RoomCommandSession } from './room-commands.js';
import { sendChat } from './send-chat.js';
import { sessionEventListeners, type ClientEventListeners } from './session-events.js';
import { DEFAULT_CLIENT_SETTINGS, type ClientSettings } from './settings.js';
import { processTerminal, type Terminal } from './terminal.js';
import * as ui from './ui.js';

/** How a line-mode session ended: the person quit, the server ended the login, or the back office sent the user back to the login (redirectToLogin). */
export type LineModeOutcome = 'quit' | 'sessionEnded' | 'redirected';

export interface LineSessionOptions {
  /** Default: the process's stdin and stdout. */
  terminal?: Terminal;
  settings?: Pick<ClientSettings, 'inputMaxChars' | 'historySize' | 'recentNames'>;
  /** Typed lines, newest first; pass the same array to the next session to keep them for the whole run. */
  history?: string[];
}

type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
type CommandRunners = { [K in CommandKind]: (session: LineSession, command: CommandOf<K>) => void | Promise<void> };

// The mapped type makes a command kind without a runner a compile error.
const runners: CommandRunners = {
  chat: async (session, { to, message, setDefault }) => {
    try {
      const sent = await sendChat(session.client, to, message);
      session.receipts.sent(sent.id, message);
      if (!sent.alreadyShown) session.print(ui.renderSent(to, message, sent, session.me));
      else if (!sent.online) session.print(ui.renderOffline(to));
      session.noteUser(to);
      // Only a recipient the server took a message for becomes the default.
      if (setDefault !== null) session.setDefaultRecipient(setDefault);
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'chat', to)));
    }
  },
  who: async (session, { username }) => {
    try {
      const info = await session.client.request('userInfo', { username });
      session.noteUser(info.username);
      session.print(ui.renderWho(info));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'userInfo', username)));
    }
  },
  ...roomRunners,
  ...pushRunners,
  help: (session) => session.print(ui.renderHelp()),
  quit: (session) => session.quit(),
  empty: () => undefined,
  invalid: (session, { reason }) => session.print(ui.renderError(reason)),
};

const commands = new Handler<LineSession>(runners, () => undefined);

/** Commands after which plain lines may go somewhere else: plain lines typed meanwhile wait for them. */
function changesTarget(command: Command): boolean {
  return (command.kind === 'chat' && command.setDefault !== null) || command.kind === 'join' || command.kind === 'create' || command.kind === 'leave';
}

/** The room plain lines go to when the person chose nothing: the world room, else the first of the others. */
export function defaultRoomOf(rooms: readonly string[]): string | null {
  return rooms.find((room) => roomKey(room) === 'world') ?? [...rooms].sort()[0] ?? null;
}

/**
 * The chat prompt after login: reads lines, runs them, prints what arrives in between above
 * the input. Plain lines go to the current target: a room (at first the user's default room, so
 * that a person can just type) or a user. Call quit() to log out and leave it the way /quit does
 * (Ctrl-C, SIGTERM).
 */
export class LineSession implements RoomCommandSession, PushCommandSession {
  /** Own private messages by id, for their ✓✓ once delivered. */
  readonly receipts = new DeliveryReceipts();
  onlineNext: string | null = null;
  readonly done: Promise<LineModeOutcome>;
  readonly #state: ParserState = { defaultRecipient: null, defaultRoom: null };
  readonly #terminal: Terminal;
  readonly #guard: InputGuard;
  readonly #rl: readline.Interface;
  readonly #screen: PromptScreen;
  readonly #recent: RecentNames;
  /** Room names seen (listed, joined, in events), for Tab after /join. */
  readonly #knownRooms: RecentNames;
  readonly #listeners: ClientEventListeners;
  #resolve!: (outcome: LineModeOutcome) => void;
  /** Settles once every /to, /join, /create and /leave typed so far was answered: plain lines typed meanwhile wait for it. */
  #targetSettled: Promise<void> = Promise.resolve();
  #ending = false;
  #ended = false;

  constructor(
    readonly client: ChatClient,
    readonly me: string,
    options: LineSessionOptions = {},
  ) {
    const settings = options.settings ?? DEFAULT_CLIENT_SETTINGS;
    this.#terminal = options.terminal ?? processTerminal();
    const { output } = this.#terminal;
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.#recent = new RecentNames(settings.recentNames);
    this.#knownRooms = new RecentNames(settings.recentNames);
    this.#guard = new InputGuard(this.#terminal.input, {
      maxChars: settings.inputMaxChars,
      // Only a terminal's readline keeps the line being edited; otherwise the guard counts alone.
      lineLength: output.isTTY === true ? () => this.#rl.line.length : undefined,
      onOverflow: () => this.print(ui.renderNotice(ui.inputCutNotice(settings.inputMaxChars))),
    });
    this.#rl = readline.createInterface({
      input: this.#guard,
      output,
      terminal: output.isTTY === true,
      prompt: ui.promptText(null),
      history: options.history ?? [],
      historySize: settings.historySize,
      removeHistoryDuplicates: true,
      completer: (line: string) => complete(line, this.#recent, { known: () => [...this.client.rooms, ...this.#knownRooms.list()], joined: () => this.client.rooms }),
    });
    this.#screen = new PromptScreen(this.#rl, output);
    this.#rl.on('line', (line) => this.#onLine(line));
    this.#rl.on('SIGINT', () => void this.quit());
    this.#rl.on('close', () => void this.quit());
    this.#listeners = sessionEventListeners({
      me,
      receipts: this.receipts,
      print: (text) => this.print(text),
      noteUser: (username) => this.noteUser(username),
      noteRoom: (room) => this.noteRoom(room),
      roomGone: (room) => this.roomGone(room),
      end: (outcome, why) => this.#end(outcome, why),
    });
    for (const [event, listener] of Object.entries(this.#listeners)) client.on(event as keyof ChatClientEvents, listener);
    // So that a person can just type: plain lines go to the default room until they choose otherwise.
    const room = defaultRoomOf(client.rooms);
    if (room !== null) {
      this.#state.defaultRoom = room;
      this.noteRoom(room);
      this.#rl.setPrompt(ui.roomPromptText(room));
    }
    this.#rl.prompt();
  }

  /** The room plain lines go to, or null. */
  get currentRoom(): string | null {
    return this.#state.defaultRoom ?? null;
  }

  /** The user plain lines go to, or null. */
  get currentRecipient(): string | null {
    return this.#state.defaultRecipient;
  }

  /** Prints a line above the prompt and redraws the prompt with what was typed so far. */
  print(text: string): void {
    this.#screen.print(text);
  }

  setDefaultRecipient(username: string): void {
    this.#state.defaultRecipient = username;
    this.#state.defaultRoom = null;
    this.noteUser(username);
    this.#screen.setPrompt(ui.promptText(username));
  }

  setRoom(room: string): void {
    this.#state.defaultRoom = room;
    this.#state.defaultRecipient = null;
    this.noteRoom(room);
    this.#screen.setPrompt(ui.roomPromptText(room));
  }

  roomGone(room: string): void {
    const current = this.#state.defaultRoom ?? null;
    if (current === null || roomKey(current) !== roomKey(room)) return;
    const next = defaultRoomOf(this.client.rooms.filter((name) => roomKey(name) !== roomKey(room)));
    if (next !== null) {
      this.setRoom(next);
      this.print(ui.renderNotice(`plain lines go to #${next} now`));
      return;
    }
    this.#state.defaultRoom = null;
    this.#screen.setPrompt(ui.promptText(null));
  }

  /** A room name Tab should offer after /join. */
  noteRoom(room: string): void {
    this.#knownRooms.add(room);
  }

  /** A user name Tab should offer. */
  noteUser(username: string): void {
    if (userKey(username) !== userKey(this.me)) this.#recent.add(username);
  }

  /** Logs out (briefly: the person is leaving) and ends the session with "bye". Safe to call more than once. */
  async quit(): Promise<void> {
    if (this.#ending) return;
    this.#ending = true;
    if (this.client.isReady) await this.client.request('logout', {}, 2000).catch(() => undefined);
    this.#end('quit');
  }

  #end(outcome: LineModeOutcome, why?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#ending = true;
    if (why) {
      this.#screen.close();
      this.#terminal.output.write(`${ui.renderError(why)}\n`);
    } else {
      // Below the input, never on the prompt's row.
      this.#screen.leave();
      this.#terminal.output.write('bye\n');
    }
    for (const [event, listener] of Object.entries(this.#listeners)) this.client.off(event as keyof ChatClientEvents, listener);
    this.#rl.close();
    this.#guard.detach();
    this.#resolve(outcome);
  }

  #onLine(line: string): void {
    if (this.#ending) return;
    // Prompt first: whatever the command prints then goes above a fresh prompt.
    this.#rl.prompt();
    if (isPlainMessage(line)) {
      // It goes to the current target: once each /to, /join… typed before it has settled what that is.
      void this.#targetSettled.then(() => this.#run(line));
      return;
    }
    const { command, done } = this.#run(line);
    if (changesTarget(command)) this.#targetSettled = this.#targetSettled.then(() => done);
  }

  /** Runs one line; `done` settles when the command has finished (for /to, /join…: when the target is settled). */
  #run(line: string): { command: Command; done: Promise<void> } {
    const command = parseCommand(line, this.#state);
    if (this.#ended) return { command, done: Promise.resolve() };
    if (command.kind === 'quit') this.#screen.close();
    const done = Promise.resolve(commands.dispatch(command.kind, this, command)).then(
      () => undefined,
      (err: unknown) => this.print(ui.renderError(`something went wrong: ${err instanceof Error ? err.message : String(err)}`)),
    );
    return { command, done };
  }
}
