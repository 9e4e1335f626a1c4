/**
 * Terminal chat client: `npm run client`. Asks for the server and an account with prompts,
 * then reads chat lines until /quit. ZKCHAT_URL sets the suggested gateway (http://) or node (ws://); ZKCHAT_LOG_LEVEL
 * (default silent) turns on the client's own log, on stderr; the ZKCHAT_* limits are in settings.ts.
 */
import { createLogger, isLogLevel, type Logger } from '../core/logger.js';
import type { ChatClient } from './chat-client.js';
import { LineSession } from './line-mode.js';
import { newChatClient } from './new-client.js';
import { DEFAULT_ADDRESS, resolveNodeUrl } from './server-address.js';
import { loadClientSettings, type ClientSettings } from './settings.js';
import { signIn } from './sign-in.js';
import { processTerminal } from './terminal.js';
import * as ui from './ui.js';

/** What a signal has to stop: the client, and the line mode when it runs. */
const current: { client: ChatClient | null; session: LineSession | null } = { client: null, session: null };

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

function clientLogger(): Logger {
  const level = process.env.ZKCHAT_LOG_LEVEL ?? 'silent';
  return createLogger(isLogLevel(level) ? level : 'silent', { role: 'client' }, (line) => process.stderr.write(line));
}

async function main(settings: ClientSettings): Promise<void> {
  const logger = clientLogger();
  const terminal = processTerminal();
  // Up and down go back through every line typed since the client started, across logins.
  const history: string[] = [];
  let address = await ui.askServerUrl(process.env.ZKCHAT_URL || DEFAULT_ADDRESS, terminal);
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
    const login = await signIn(client, terminal, say);
    say(`${ui.renderSuccess(`logged in as ${login.username} on ${login.nodeId}`)}, type /help for the commands`);
    current.session = new LineSession(client, login.username, { terminal, settings, history });
    // The session says "bye" itself, below what was typed.
    const outcome = await current.session.done;
    current.session = null;
    await client.close();
    if (outcome === 'quit') return;
    say(ui.renderNotice('please log in again'));
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

// A bad ZKCHAT_* setting ends up below, as one sentence naming the variable.
Promise.resolve()
  .then(() => main(loadClientSettings()))
  .then(
    () => exit(0),
    (err: unknown) => {
      if (ui.isPromptCancelled(err)) return exit(0);
      process.stderr.write(`zkchat client: ${err instanceof Error ? err.message : String(err)}\n`);
      return exit(1);
    },
  );
