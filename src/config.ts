import type { LogLevel } from '../core/logger.js';
import { ConfigError, envInt, envLogLevel, envString, type Env } from './env.js';

/** Everything a chat node can be told, resolved once at start-up. */
export interface NodeConfig {
  /** Unique id of this node in the cluster. */
  nodeId: string;
  /** Address the ports bind to. */
  host: string;
  /** Host name clients and peers use to reach this node (may differ from `host` behind NAT). */
  publicHost: string;
  clientPort: number;
  clusterPort: number;
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
  /** How long a relayed message may wait for its delivery ack. */
  relayTimeoutMs: number;
  /** Load reports and server-list refresh period. */
  clusterTickMs: number;
  /** How long to wait for MongoDB / Redis at start-up before giving up. */
  connectTimeoutMs: number;
  limits: ConnectionLimits;
  logLevel: LogLevel;
}

export interface ConnectionLimits {
  /** Largest accepted frame, in bytes; larger frames close the connection with 1009. */
  maxFrameBytes: number;
  /** Unsent bytes per connection before it is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** Requests of one connection waiting to be handled; beyond it the sender is a flood. */
  maxPendingRequests: number;
  ratePerSecond: number;
  rateBurst: number;
  floodAllowance: number;
  /** How often the server pings each client. */
  heartbeatIntervalMs: number;
  /** How long a client has to answer a ping with a pong. */
  heartbeatTimeoutMs: number;
}

export function loadNodeConfig(env: Env = process.env): NodeConfig {
  const clientPort = envInt(env, 'CLIENT_PORT', 4101, 0, 65535);
  const host = envString(env, 'HOST', '127.0.0.1');
  const logLevel = envLogLevel(env);
  const mongoUrl = envString(env, 'MONGO_URL', 'mongodb://127.0.0.1:27017');
  const clusterSecret = envString(env, 'CLUSTER_SECRET', '');
  if (clusterSecret.length < 16) throw new ConfigError('CLUSTER_SECRET must be set to a shared secret of at least 16 characters');
  return {
    nodeId: envString(env, 'NODE_ID', `node-${clientPort}`),
    host,
    publicHost: envString(env, 'PUBLIC_HOST', host),
    clientPort,
    clusterPort: envInt(env, 'CLUSTER_PORT', 4201, 0, 65535),
    zkConnect: envString(env, 'ZK_CONNECT', '127.0.0.1:2181'),
    redisUrl: envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    redisPrefix: envString(env, 'REDIS_PREFIX', 'zkchat:'),
    mongoUrl,
    mongoDb: envString(env, 'MONGO_DB', 'zkchat'),
    clusterSecret,
    zkRoot: envString(env, 'ZK_ROOT', '/zkchat'),
    zkSessionTimeoutMs: envInt(env, 'ZK_SESSION_TIMEOUT_MS', 6000, 1000),
    relayTimeoutMs: envInt(env, 'RELAY_TIMEOUT_MS', 10_000, 100),
    clusterTickMs: envInt(env, 'CLUSTER_TICK_MS', 1000, 50),
    connectTimeoutMs: envInt(env, 'CONNECT_TIMEOUT_MS', 5000, 100),
    limits: {
      maxFrameBytes: envInt(env, 'MAX_FRAME_BYTES', 64 * 1024, 256),
      maxBufferedBytes: envInt(env, 'MAX_BUFFERED_BYTES', 1024 * 1024, 1024),
      maxPendingRequests: envInt(env, 'MAX_PENDING_REQUESTS', 64, 1),
      ratePerSecond: envInt(env, 'RATE_LIMIT_PER_SEC', 20, 1),
      rateBurst: envInt(env, 'RATE_LIMIT_BURST', 40, 1),
      floodAllowance: envInt(env, 'FLOOD_ALLOWANCE', 60, 0),
      heartbeatIntervalMs: envInt(env, 'HEARTBEAT_INTERVAL_MS', 25_000, 50),
      heartbeatTimeoutMs: envInt(env, 'HEARTBEAT_TIMEOUT_MS', 10_000, 50),
    },
    logLevel,
  };
}
