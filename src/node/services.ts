import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import type { LocalRooms } from '../delivery/local-rooms.js';
import type { LocalSessions } from '../delivery/local-sessions.js';
import type { DeliveryRouter } from '../delivery/router.js';
import type { MessageLog } from '../inbox/message-log.js';
import type { GlobalSessions } from '../session/global-sessions.js';
import type { UserDirectory } from '../storage/user-directory.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import type { LoginThrottle } from '../abuse/login-throttle.js';
import type { ResumeTokens } from '../session/resume-tokens.js';
import type { UserStore } from '../storage/user-store.js';
import type { HistoryReader } from '../history/history-reader.js';
import type { HotWordsBoard } from '../hot-words/hot-words-board.js';
import type { WordFilterSource } from '../text/word-filter-source.js';
import type { NodeRooms } from '../rooms/node-rooms.js';
import type { RoomLog } from '../rooms/room-log.js';
import type { RoomStore } from '../storage/room-store.js';
import type { Subscriptions } from '../push/subscriptions.js';
import type { ClientConnection } from './client-connection.js';

/** Everything request handlers may use; built once by the node's composition root. */
export interface NodeServices {
  readonly nodeId: string;
  readonly logger: Logger;
  readonly users: UserStore;
  readonly directory: UserDirectory;
  readonly log: MessageLog;
  /** This node's logged-in connections, by user key. */
  readonly local: LocalSessions<ClientConnection>;
  /** This node's connections in each room (delivery reads it; handlers change it through `nodeRooms`). */
  readonly rooms: LocalRooms<ClientConnection>;
  readonly nodeRooms: NodeRooms<ClientConnection>;
  readonly roomLog: RoomLog;
  readonly roomStore: RoomStore;
  /** Runs a room operation on the room's host (this node or the leader). */
  callHost(room: string | null, op: string, args: Record<string, unknown>): Promise<unknown>;
  readonly global: GlobalSessions;
  readonly router: DeliveryRouter<ClientConnection>;
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** Login and register attempts per username and address, shared by all nodes. */
  readonly loginThrottle: LoginThrottle;
  readonly maxConnectionsPerUser: number;
  readonly resumeTokens: ResumeTokens;
  /** Live nodes of the cluster, this one included. */
  liveNodes(): string[];
  /** Who came online on this node, or has no device left here (for `online` events). */
  announceOnline(user: string, online: boolean): void;
  readonly history: HistoryReader;
  readonly hotWords: HotWordsBoard;
  /** The dirty-word filter: what is delivered, stored and counted is `words.mask(text)`. */
  readonly words: WordFilterSource;
  /** Which push types each user turned off (cached here, invalidated everywhere on change). */
  readonly subscriptions: Subscriptions;
  /** The fence this node's session writes carry (its ZooKeeper session). */
  fence(): string;
  /** Whether a node is alive; a session on a dead node means its user is offline. */
  isNodeAlive(nodeId: string): boolean;
}
