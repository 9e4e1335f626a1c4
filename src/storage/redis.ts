import { Redis } from 'ioredis';
import { withTimeout } from '../../core/with-timeout.js';
import { redactUrl } from './mongo.js';

export interface RedisOptions {
  /** How long start-up waits for the first answer. */
  connectTimeoutMs: number;
  /** A command without an answer in this time fails, so a silent Redis costs a 503, not a hung request. */
  commandTimeoutMs: number;
  /** Shown by CLIENT LIST for this connection and its duplicates, so an operator sees which process holds which. */
  name?: string;
}

/** A Redis client name: it may hold no spaces, newlines or other special characters. */
export function redisClientName(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '_');
}

/**
 * Connects to Redis and waits for it to answer. After start-up the client keeps reconnecting by
 * itself; commands issued while it is down fail fast. Commands issued in one event-loop turn go out
 * as one pipeline (auto-pipelining), so a burst of chats costs few writes.
 */
export async function connectRedis(url: string, options: RedisOptions): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    commandTimeout: options.commandTimeoutMs,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(options.name === undefined ? {} : { connectionName: redisClientName(options.name) }),
  });
  redis.on('error', () => undefined); // reported through failed commands; avoid unhandled 'error'
  try {
    await withTimeout(redis.connect().then(() => redis.ping()), options.connectTimeoutMs, 'timed out');
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)} within ${options.connectTimeoutMs} ms (${(err as Error).message})`);
  }
}

/**
 * A second connection for commands that block (XREADGROUP … BLOCK): on the shared connection
 * they would hold up every command queued behind them. No command timeout: blocking is its job.
 */
export async function connectBlockingRedis(redis: Redis): Promise<Redis> {
  const blocking = redis.duplicate({ commandTimeout: undefined, enableAutoPipelining: false, lazyConnect: true });
  blocking.on('error', () => undefined);
  await blocking.connect();
  return blocking;
}
