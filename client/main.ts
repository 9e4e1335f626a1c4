/**
 * Terminal chat client: `npm run client`. Asks for the server and an account with prompts,
 * then reads chat lines until /quit. ZKCHAT_URL sets the suggested gateway (http://) or node (ws://); ZKCHAT_LOG_LEVEL
 * (default silent) turns on the client's own log, on stderr; ZKCHAT_DEVICE_FILE is where this
 * installation's device id is kept (default ~/.zkchat/device-id); the ZKCHAT_* limits are in settings.ts.
 */
import { createLogger, isLogLevel, type Logger } from '../core/logger.js';
import { runClientApp } from './app.js';
import type { ChatClient } from './chat-client.js';
import { loadDeviceId } from './device-id.js';
import type { LineSession } from './line-mode.js';
import { DEFAULT_ADDRESS } from './server-address.js';
import { loadClientSettings, type ClientSettings } from './settings.js';
import { processTerminal } from './terminal.js';
import * as ui from './ui.js';

/** What a signal has to stop: the client, and the line mode when it runs. */
const current: { client: ChatClient | null; session: LineSession | null } = { client: null, session: null };

function clientLogger(): Logger {
  const level = process.env.ZKCHAT_LOG_LEVEL ?? 'silent';
  return createLogger(isLogLevel(level) ? level : 'silent', { role: 'client' }, (line) => process.stderr.write(line));
}

async function main(settings: ClientSettings): Promise<void> {
  const logger = clientLogger();
  const terminal = processTerminal();
  const device = loadDeviceId();
  if (!device.saved) process.stdout.write(`${ui.renderNotice(`could not save the device id in ${device.file} (ZKCHAT_DEVICE_FILE): using one for this run only`)}\n`);
  const address = await ui.askServerUrl(process.env.ZKCHAT_URL || DEFAULT_ADDRESS, terminal);
  // Up and down go back through every line typed since the client started, across logins.
  await runClientApp({ address, terminal, settings, logger, device: device.id, history: [], current });
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
