import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { ChatEventData } from '../../protocol/actions.js';
import type { GlobalSessions } from '../session/global-sessions.js';
import type { LocalSessions } from '../session/local-sessions.js';
import type { MessageStore } from '../storage/message-store.js';
import type { UserStore } from '../storage/user-store.js';
import type { ClientConnection } from './client-connection.js';

/** Delivers a private message to every connection of its recipient, wherever they are. */
export interface ChatRouter {
  /** Resolves true when the recipient was online and the message is on its way. */
  deliver(event: ChatEventData): Promise<boolean>;
}

/** Everything request handlers may use; built once by the node's composition root. */
export interface NodeServices {
  readonly nodeId: string;
  readonly logger: Logger;
  readonly users: UserStore;
  readonly messages: MessageStore;
  readonly local: LocalSessions<ClientConnection>;
  readonly global: GlobalSessions;
  readonly router: ChatRouter;
  readonly redis: Redis;
  readonly redisPrefix: string;
  /** Whether a node is alive; a session on a dead node means its user is offline. */
  isNodeAlive(nodeId: string): boolean;
}
