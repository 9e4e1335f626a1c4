/**
 * Terminal chat client: `npm run client`. Asks for the server and an account with prompts,
 * then reads chat lines until /quit. ZKCHAT_URL sets the suggested gateway (http://) or node (ws://); ZKCHAT_LOG_LEVEL
 * (default silent) turns on the client's own log, on stderr.
 */
import { createLogger, isLogLevel, type Logger } from '../core/logger.js';
import type { ClientAction, ReplyData } from '../protocol/actions.js';
import { ChatClient } from './chat-client.js';
import { LineSession } from './line-mode.js';
import { DEFAULT_ADDRESS, resolveNodeUrl } from './server-address.js';
import * as ui from './ui.js';

/** Events of the inbox shown at login, under "while you were away". */
const BACKLOG = 20;

/** What a signal has to stop: the client, and the line mode when it runs. */
const current: { client: ChatClient | null; session: LineSession | null } = { client: null, session: null };

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function clientLogger(): Logger {
  const level = process.env.ZKCHAT_LOG_LEVEL ?? 'silent';
  return createLogger(isLogLevel(level) ? level : 'silent', { role: 'client' }, (line) => process.stderr.write(line));
}

async function main(): Promise<void> {
  const logger = clientLogger();
  let address = await ui.askServerUrl(process.env.ZKCHAT_URL || DEFAULT_ADDRESS);
  for (;;) {
    // Through a gateway, every reconnect asks it again, so a dead node is left for a live one.
    // No cursor is stored between runs: the first login shows the newest BACKLOG events of the inbox.
    const client = new ChatClient({ resolveUrl: () => resolveNodeUrl(address), logger, backlog: BACKLOG });
    current.client = client;
    try {
      await client.connect(await resolveNodeUrl(address));
    } catch (err) {
      say(ui.renderError(ui.errorSentence(err, 'ping')));
      address = await ui.askServerUrl(address);
      continue;
    }
    const login = await signIn(client);
    say(`${ui.renderSuccess(`logged in as ${login.username} on ${login.nodeId}`)}, type /help for the commands`);
    current.session = new LineSession(client, login.username);
    const outcome = await current.session.done;
    current.session = null;
    await client.close();
    if (outcome === 'quit') return;
    say(ui.renderNotice('please log in again'));
  }
}

/** Asks until a login works; a registration logs in right after. */
async function signIn(client: ChatClient): Promise<ReplyData['login']> {
  for (;;) {
    const choice = await ui.askAccountChoice();
    const credentials = await ui.askCredentials();
    let action: ClientAction = choice;
    try {
      if (choice === 'register') {
        await client.request('register', credentials);
        say(ui.renderSuccess(`registered ${credentials.username}`));
        action = 'login';
      }
      return await client.request('login', credentials);
    } catch (err) {
      say(ui.renderError(ui.errorSentence(err, action)));
    }
  }
}

async function exit(code: number): Promise<never> {
  await current.client?.close();
  // A prompt interrupted by a signal leaves the cursor hidden.
  if (process.stdout.isTTY) process.stdout.write('\x1b[?25h');
  process.exit(code);
}

// In the line mode a signal means /quit (log out first); before it there is nothing to undo.
function onSignal(): void {
  if (current.session) void current.session.quit();
  else void exit(0);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().then(
  () => {
    say('bye');
    return exit(0);
  },
  (err: unknown) => {
    if (ui.isPromptCancelled(err)) return exit(0);
    process.stderr.write(`zkchat client: ${err instanceof Error ? err.message : String(err)}\n`);
    return exit(1);
  },
);
