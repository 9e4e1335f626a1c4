import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import type { RedisKeys } from '../storage/redis-keys.js';

/** What a resume token says, once its signature checked out. */
export interface ResumeClaims {
  /** Token id: the key of its entry in Redis (deleting it revokes the token). */
  id: string;
  /** The user's stored spelling. */
  user: string;
  device: string;
  /** Expiry, ms since the epoch. */
  exp: number;
}

/**
 * Resume tokens: a logged-in device reconnects with one instead of its password, so a reconnect
 * storm costs an HMAC and a Redis read per device, not a scrypt. A token is `<claims>.<signature>`
 * (base64url JSON, HMAC-SHA256 under a key derived from the cluster secret, so every node checks
 * it), and is valid only while its entry `resume:<id>` exists in Redis: logout deletes the device's,
 * a kick every one of the user's (`resume-user:<user>` lists them).
 */
export class ResumeTokens {
  readonly #key: Buffer;

  constructor(secret: string, private readonly redis: Redis, private readonly keys: RedisKeys, private readonly ttlMs: number) {
    this.#key = createHmac('sha256', secret).update('zkchat resume token v1').digest();
  }

  /** Makes a token for `user` (spelling; `userKey` its key) and queues its entry on the login transaction. */
  issue(transaction: ChainableCommander, user: string, userKey: string, device: string): { token: string; claims: ResumeClaims } {
    const claims: ResumeClaims = { id: randomBytes(12).toString('base64url'), user, device, exp: Date.now() + this.ttlMs };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    transaction.set(this.#entry(claims.id), userKey, 'PX', this.ttlMs);
    transaction.sadd(this.#userSet(userKey), claims.id);
    transaction.pexpire(this.#userSet(userKey), this.ttlMs);
    return { token: `${body}.${this.#sign(body)}`, claims };
  }

  /** The claims of a token that is well signed, unexpired and not revoked; null otherwise. */
  async check(token: string): Promise<ResumeClaims | null> {
    const [body = '', signature = ''] = token.split('.');
    const expected = Buffer.from(this.#sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let claims: ResumeClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ResumeClaims;
    } catch {
      return null;
    }
    if (typeof claims.id !== 'string' || typeof claims.user !== 'string' || typeof claims.exp !== 'number' || claims.exp <= Date.now()) return null;
    return (await this.redis.exists(this.#entry(claims.id))) === 1 ? claims : null;
  }

  /** Revokes one token (logout of its device). */
  async revoke(id: string): Promise<void> {
    await this.redis.del(this.#entry(id));
  }

  /** Revokes every token of `userKey` (kick). */
  async revokeUser(userKey: string): Promise<void> {
    const ids = await this.redis.smembers(this.#userSet(userKey));
    const transaction = this.redis.multi().del(this.#userSet(userKey));
    for (const id of ids) transaction.del(this.#entry(id));
    await transaction.exec();
  }

  #sign(body: string): string {
    return createHmac('sha256', this.#key).update(body).digest('base64url');
  }

  #entry(id: string): string {
    return `${this.keys.prefix}resume:${id}`;
  }

  #userSet(userKey: string): string {
    return `${this.keys.prefix}resume-user:${userKey}`;
  }
}
