import type { LogLevel } from '../../core/logger.js';
import { envFlag, envInt, envLogLevel, envString, type Env } from '../env.js';

/** Everything the gateway can be told, resolved once at start-up. */
export interface GatewayConfig {
  /** Address the HTTP port binds to. */
  host: string;
  /** HTTP port; 0 picks a free one (tests). */
  port: number;
  redisUrl: string;
  /** Prefix of every Redis key; the server list lives at `${redisPrefix}servers`. */
  redisPrefix: string;
  /** An entry the leader has not refreshed for longer than this is a dead node. */
  serverStaleMs: number;
  /** How long to wait for Redis at start-up, and the longest one read of the list may take. */
  connectTimeoutMs: number;
  /** A request must arrive whole within this time (slow-loris), and bodies are refused above this size. */
  requestTimeoutMs: number;
  maxBodyBytes: number;
  /** Whether `GET /metrics` answers (Prometheus text); off where the gateway's port is public. */
  metrics: boolean;
  logLevel: LogLevel;
}

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const logLevel = envLogLevel(env);
  return {
    host: envString(env, 'GATEWAY_HOST', '127.0.0.1'),
    port: envInt(env, 'GATEWAY_PORT', 4000, 0, 65535),
    redisUrl: envString(env, 'REDIS_URL', 'redis://127.0.0.1:6379'),
    redisPrefix: envString(env, 'REDIS_PREFIX', 'zkchat:'),
    serverStaleMs: envInt(env, 'SERVER_STALE_MS', 5000, 1),
    connectTimeoutMs: envInt(env, 'CONNECT_TIMEOUT_MS', 5000, 100),
    requestTimeoutMs: envInt(env, 'GATEWAY_REQUEST_TIMEOUT_MS', 10_000, 100),
    maxBodyBytes: envInt(env, 'GATEWAY_MAX_BODY_BYTES', 1024, 0),
    metrics: envFlag(env, 'GATEWAY_METRICS', true),
    logLevel,
  };
}
