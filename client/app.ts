import { silentLogger, type Logger } from '../core/logger.js';
import type { ChatClient } from './chat-client.js';
import { LineSession } from './line-mode.js';
import { newChatClient } from './new-client.js';
import { resolveNodeUrl } from './server-address.js';
import type { ClientSettings } from './settings.js';
import { signIn } from './sign-in.js';
import type { Terminal } from './terminal.js';
import * as ui from './ui.js';

export interface ClientAppOptions {
  /** The gateway (http://) or node (ws://) the person chose. */
  address: string;
  terminal: Terminal;
  settings: ClientSettings;
  logger?: Logger;
  /** This installation's device id, sent with every login. */
  device?: string;
  /** Typed lines, newest first, kept across logins. */
  history?: string[];
  /** Kept up to date with the client and the chat line running now, so that a signal can stop them. */
  current?: { client: ChatClient | null; session: LineSession | null };
}

/**
 * The terminal client after the server address was asked: connect, sign in, chat; when the server
 * ends the session (a kick: redirectToLogin, a refused login after a reconnect) back to the account
 * prompt on a new connection. Resolves when the person quits; rejects when a prompt is cancelled.
 */
export async function runClientApp(options: ClientAppOptions): Promise<void> {
  const { terminal, settings } = options;
  const logger = options.logger ?? silentLogger;
  const current = options.current ?? { client: null, session: null };
  const history = options.history ?? [];
  const say = (text: string) => terminal.output.write(`${text}\n`);
  let address = options.address;
  for (;;) {
    const client = newChatClient(address, settings, logger);
    current.client = client;
    try {
      await client.connect(await resolveNodeUrl(address));
    } catch (err) {
      say(ui.renderError(ui.errorSentence(err, 'ping')));
      address = await ui.askServerUrl(address, terminal);
      continue;
    }
    let login;
    try {
      login = await signIn(client, terminal, say, options.device === undefined ? {} : { device: options.device });
    } catch (err) {
      await client.close();
      throw err;
    }
    say(`${ui.renderSuccess(`logged in as ${login.username} on ${login.nodeId}`)}, type /help for the commands`);
    const session = new LineSession(client, login.username, { terminal, settings, history });
    current.session = session;
    // The session says "bye" (or why it ended) itself, below what was typed.
    const outcome = await session.done;
    current.session = null;
    await client.close();
    current.client = null;
    if (outcome === 'quit') return;
    say(ui.renderNotice('please log in again'));
  }
}
