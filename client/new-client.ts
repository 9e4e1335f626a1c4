import { silentLogger, type Logger } from '../core/logger.js';
import { ChatClient } from './chat-client.js';
import { resolveNodeUrl } from './server-address.js';
import type { ClientSettings } from './settings.js';

/**
 * The ChatClient of the terminal client. Through a gateway every reconnect asks it again, so a
 * dead or hung node is left for a live one; the heartbeat notices a hung node within
 * `pongTimeoutMs`. No cursor is stored between runs: the first login shows the newest
 * `backlog` events of the inbox. The inbox is acknowledged as it is shown, so senders see ✓✓.
 */
export function newChatClient(address: string, settings: ClientSettings, logger: Logger = silentLogger): ChatClient {
  return new ChatClient({
    resolveUrl: () => resolveNodeUrl(address),
    logger,
    backlog: settings.backlog,
    heartbeatMs: settings.pingIntervalMs,
    heartbeatTimeoutMs: settings.pongTimeoutMs,
    acks: true,
  });
}
