import * as readline from 'node:readline';
import { Handler } from '../core/handler.js';
import type { ChatClient, ChatClientEvents } from './chat-client.js';
import { parseCommand, type Command, type CommandKind, type ParserState } from './command-parser.js';
import { sendChat } from './send-chat.js';
import * as ui from './ui.js';

/** How a line-mode session ended: the person quit, or the server ended the login. */
export type LineModeOutcome = 'quit' | 'sessionEnded';

type CommandOf<K extends CommandKind> = Extract<Command, { kind: K }>;
type CommandRunners = { [K in CommandKind]: (session: LineSession, command: CommandOf<K>) => void | Promise<void> };

// The mapped type makes a command kind without a runner a compile error.
const runners: CommandRunners = {
  chat: async (session, { to, message, setDefault }) => {
    if (setDefault !== null) session.setDefaultRecipient(setDefault);
    try {
      const sent = await sendChat(session.client, to, message);
      if (!sent.alreadyShown) session.print(ui.renderSent(to, message, sent, session.me));
      else if (!sent.online) session.print(ui.renderOffline(to));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'chat', to)));
    }
  },
  who: async (session, { username }) => {
    try {
      session.print(ui.renderWho(await session.client.request('userInfo', { username })));
    } catch (err) {
      session.print(ui.renderError(ui.errorSentence(err, 'userInfo', username)));
    }
  },
  help: (session) => session.print(ui.renderHelp()),
  quit: (session) => session.quit(),
  notYet: (session, { feature }) => session.print(ui.renderNotice(`${feature} is not yet available`)),
  empty: () => undefined,
  invalid: (session, { reason }) => session.print(ui.renderError(reason)),
};

const commands = new Handler<LineSession>(runners, () => undefined);

/**
 * The chat prompt after login: reads lines, runs them, prints what arrives in between.
 * Call quit() to log out and leave it the way /quit does (Ctrl-C, SIGTERM).
 */
export class LineSession {
  readonly done: Promise<LineModeOutcome>;
  readonly #state: ParserState = { defaultRecipient: null };
  readonly #rl: readline.Interface;
  readonly #output = process.stdout;
  readonly #listeners: { [E in keyof ChatClientEvents]: (...args: ChatClientEvents[E]) => void };
  #resolve!: (outcome: LineModeOutcome) => void;
  #ending = false;
  #ended = false;
  #lostReason = '';
  #backlogShown = false;

  constructor(readonly client: ChatClient, readonly me: string) {
    this.done = new Promise((resolve) => (this.#resolve = resolve));
    this.#rl = readline.createInterface({ input: process.stdin, output: this.#output, prompt: ui.promptText(null) });
    this.#rl.on('line', (line) => this.#onLine(line));
    this.#rl.on('SIGINT', () => void this.quit());
    this.#rl.on('close', () => void this.quit());
    this.#listeners = {
      chat: (event, { source }) => {
        if (source === 'backlog' && !this.#backlogShown) {
          this.#backlogShown = true;
          this.print(ui.renderBacklogHeader());
        }
        this.print(ui.renderChat(event, me));
      },
      gap: (info) => this.print(ui.renderGap(info)),
      synced: () => undefined,
      syncFailed: ({ message }) => this.print(ui.renderNotice(`could not fetch missed messages (${message}); trying again later`)),
      disconnected: ({ reason, willReconnect }) => {
        this.#lostReason = reason;
        if (!willReconnect) this.#end('sessionEnded', `the server ended your session${reason ? `: ${reason}` : ''}`);
      },
      reconnecting: ({ attempt, delayMs }) => {
        const why = this.#lostReason ? ` (${this.#lostReason})` : '';
        const text = attempt === 1 ? `connection lost${why}, reconnecting in ${ui.formatDelay(delayMs)}…` : `still no connection, next try in ${ui.formatDelay(delayMs)}…`;
        this.print(ui.renderNotice(text));
      },
      reconnected: ({ login }) => this.print(ui.renderSuccess(login ? `reconnected as ${login.username} on ${login.nodeId}` : 'reconnected')),
      sessionLost: ({ message }) => this.#end('sessionEnded', `could not log in again: ${message}`),
      serverError: ({ message }) => this.print(ui.renderError(`the server says: ${message}`)),
    };
    for (const [event, listener] of Object.entries(this.#listeners)) client.on(event as keyof ChatClientEvents, listener);
    this.#rl.prompt();
  }

  /** Prints a line above the prompt and redraws the prompt with what was typed so far. */
  print(text: string): void {
    if (this.#output.isTTY) {
      readline.clearLine(this.#output, 0);
      readline.cursorTo(this.#output, 0);
    }
    this.#output.write(`${text}\n`);
    if (!this.#ending) this.#rl.prompt(true);
  }

  setDefaultRecipient(username: string): void {
    this.#state.defaultRecipient = username;
    this.#rl.setPrompt(ui.promptText(username));
  }

  /** Logs out (briefly: the person is leaving) and ends the session. Safe to call more than once. */
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
    if (why) this.print(ui.renderError(why));
    for (const [event, listener] of Object.entries(this.#listeners)) this.client.off(event as keyof ChatClientEvents, listener);
    this.#rl.close();
    this.#resolve(outcome);
  }

  #onLine(line: string): void {
    if (this.#ending) return;
    const command = parseCommand(line, this.#state);
    // Prompt first: whatever the command prints then goes above a fresh prompt.
    if (command.kind !== 'quit') this.#rl.prompt();
    const run = Promise.resolve(commands.dispatch(command.kind, this, command));
    run.catch((err: unknown) => this.print(ui.renderError(`something went wrong: ${err instanceof Error ? err.message : String(err)}`)));
  }
}
