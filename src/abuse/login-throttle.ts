import type { Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ZkchatError } from '../../core/errors.js';
import { userKey } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import type { RedisKeys } from '../storage/redis-keys.js';

export interface LoginThrottleLimits {
  attemptsPerUser: number;
  attemptsPerIp: number;
  windowMs: number;
}

/**
 * Login and register attempts per username and per address, counted in Redis so every node shares
 * them: a password guesser gets 429 (with when to try again) before it costs the cluster a scrypt,
 * however many sockets or nodes it spreads over. A login with the right password gives its
 * username's attempt back, so a user logging in from many devices is never locked out by their own
 * logins; the address keeps it counted (each costs a scrypt all the same).
 */
export class LoginThrottle {
  readonly #byUser: RateLimiterRedis;
  readonly #byIp: RateLimiterRedis;

  constructor(redis: Redis, keys: RedisKeys, limits: LoginThrottleLimits) {
    const duration = Math.ceil(limits.windowMs / 1000);
    this.#byUser = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keys.prefix}login-user`, points: limits.attemptsPerUser, duration });
    this.#byIp = new RateLimiterRedis({ storeClient: redis, keyPrefix: `${keys.prefix}login-ip`, points: limits.attemptsPerIp, duration });
  }

  /** Counts one attempt; throws 429 naming when to retry once either budget is spent. */
  async attempt(username: string, ip: string): Promise<void> {
    try {
      await Promise.all([this.#byUser.consume(userKey(username)), this.#byIp.consume(ip)]);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const seconds = Math.max(1, Math.ceil(err.msBeforeNext / 1000));
      throw new ZkchatError(ErrorCode.RATE_LIMITED, `too many login attempts: try again in ${seconds} s`);
    }
  }

  /** The password was right: the username's attempt is given back. */
  async succeeded(username: string): Promise<void> {
    await this.#byUser.reward(userKey(username), 1);
  }
}
