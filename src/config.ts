import type { LogLevel } from '../core/logger.js';
import { isWebSocketUrl } from './cluster/node-info.js';
import { ConfigError, envFlag, envInt, envLogLevel, envString, type Env } from './env.js';
import { loadLimits, type Limits } from './limits.js';
import { loadProxyTrust, type ProxyTrust } from './node/client-address.js';
import { DEFAULT_WORD_LIST_PATH } from './text/word-filter-source.js';

/** Everything a chat node can be told, resolved once at start-up. */
export interface NodeConfig {
  /** Unique id of this node in the cluster. */
  nodeId: string;
  /** Address the ports bind to. */
  host: string;
  /** Host name clients and peers use to reach this node (may differ from `host` behind NAT). */
  publicHost: string;
  /** Which direct peers may name the client in X-Forwarded-For (TRUST_PROXY); null: none, per-address limits see the peer. */
  trustProxy: ProxyTrust | null;
  /** The ws:// or wss:// URL the gateway hands out for this node (behind a TLS terminator); null: `ws://publicHost:clientPort`. */
  publicUrl: string | null;
  clientPort: number;
  clusterPort: number;
  /** Cluster port peers dial, when it differs from `clusterPort` (port forwarding); null: the bound port. */
  publicClusterPort: number | null;
  zkConnect: string;
  redisUrl: string;
  /** Prefix of every Redis key, so several clusters (or test runs) can share one Redis. */
  redisPrefix: string;
  mongoUrl: string;
  mongoDb: string;
  /** Shared secret of the cluster port's handshake (HMAC); at least 16 characters. */
  clusterSecret: string;
  zkRoot: string;
  zkSessionTimeoutMs: number;
  /** Load reports, server-list refresh and relay sweep period. */
  clusterTickMs: number;
  /** Whether this node runs an archive writer (a cluster needs at least one). */
  archiveWriter: boolean;
  /** The dirty-word list file. */
  dirtyWordsFile: string;
  /** The push API's port (0: any free one) and bearer token; no token: the push API is off. */
  adminPort: number;
  adminToken: string;
  /** Port of the Prometheus `/metrics` endpoint (0: any free one); null: metrics are off. */
  metricsPort: number | null;
  limits: Limits;
  logLevel: LogLevel;
}

function adminToken(env: Env): string {
  const token = envString(env, 'ADMIN_TOKEN', '');
  if (token !== '' && token.length < 16) throw new ConfigError('ADMIN_TOKEN must be at least 16 characters (or unset, which turns the push API off)');
  return token;
}

/** PUBLIC_URL, checked at start-up: a typo here would send every client of the node to a dead address. */
function publicUrl(env: Env): string | null {
  const raw = envString(env, 'PUBLIC_URL', '');
  if (raw === '') return null;
  if (!isWebSocketUrl(raw)) throw new ConfigError(`PUBLIC_URL must be a ws:// or wss:// URL such as wss://chat1.example.com/ws, got "${raw}"`);
  return raw;
}

/**
 * A node's id names its znode, its Redis session fields (`dev:<id>`) and its cluster links, and is
 * packed into space- and comma-separated replies of the message log: letters, digits, "_", "." and "-".
 */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

function nodeId(env: Env, clientPort: number): string {
  const id = envString(env, 'NODE_ID', `node-${clientPort}`);
  if (!NODE_ID_PATTERN.test(id)) throw new ConfigError(`NODE_ID must be 1-64 letters, digits, "_", "." or "-" (got ${JSON.stringify(id)})`);
  return id;
}

export function loadNodeConfig(env: Env = process.env): NodeConfig {
  const clientPort = envInt(env, 'CLIENT_PORT', 4101, 0, 65535);
  const host = envString(env, 'HOST', '127.0.0.1');
  const logLevel = envLogLevel(env);
  const mongoUrl = envString(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017');
  const clusterSecret = envString(env, 'CLUSTER_SECRET', '');
  if (clusterSecret.length < 16) throw new ConfigError('CLUSTER_SECRET must be set to a shared secret of at least 16 characters');
  return {
    nodeId: nodeId(env, clientPort),
    host,
    publicHost: envString(env, 'PUBLIC_HOST', host),
    publicUrl: publicUrl(env),
    trustProxy: loadProxyTrust(env),
    clientPort,
    clusterPort: envInt(env, 'CLUSTER_PORT', 4201, 0, 65535),
    publicClusterPort: env.PUBLIC_CLUSTER_PORT ? envInt(env, 'PUBLIC_CLUSTER_PORT', 0, 1, 65535) : null,
    zkConnect: envString(env, 'ZK_CONNECT', '127.0.0.1:2181'),
    redisUrl: envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    redisPrefix: envString(env, 'REDIS_PREFIX', 'zkchat:'),
    mongoUrl,
    mongoDb: envString(env, 'MONGO_DB', 'zkchat'),
    clusterSecret,
    zkRoot: envString(env, 'ZK_ROOT', '/zkchat'),
    zkSessionTimeoutMs: envInt(env, 'ZK_SESSION_TIMEOUT_MS', 6000, 1000),
    clusterTickMs: envInt(env, 'CLUSTER_TICK_MS', 1000, 50),
    archiveWriter: envFlag(env, 'ARCHIVE_WRITER', true),
    dirtyWordsFile: envString(env, 'DIRTY_WORDS_FILE', DEFAULT_WORD_LIST_PATH),
    adminPort: envInt(env, 'ADMIN_PORT', 4301, 0, 65535),
    adminToken: adminToken(env),
    // Off unless set: several nodes on one host (tests, the bench) would fight over a fixed default.
    metricsPort: env.METRICS_PORT ? envInt(env, 'METRICS_PORT', 0, 0, 65535) : null,
    limits: loadLimits(env),
    logLevel,
  };
}
