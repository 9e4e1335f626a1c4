import { Redis } from 'ioredis';
import { withTimeout } from '../../core/with-timeout.js';
import { redactUrl } from './mongo.js';

/**
 * Connects to Redis and waits for it to answer, within `timeoutMs`. After start-up the
 * client keeps reconnecting by itself; commands issued while it is down fail fast.
 */
export async function connectRedis(url: string, timeoutMs: number): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported through failed commands; avoid unhandled 'error'
  try {
    await withTimeout(redis.connect().then(() => redis.ping()), timeoutMs, 'timed out');
    return redis;
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(url)} within ${timeoutMs} ms (${(err as Error).message})`);
  }
}
