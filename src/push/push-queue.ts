import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { ZkchatError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { PUSH_TYPE_PATTERN, USERNAME_PATTERN } from '../../protocol/actions.js';
import { fieldOf } from '../inbox/inbox-entries.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import type { PushService } from './push-service.js';
import { ConsumerGroup } from '../storage/consumer-group.js';

export interface PushQueueOptions {
  /** This consumer's name in the group: the node id, so a restarted node finishes its own entries. */
  consumer: string;
  batchSize: number;
  /** Entries another node read but left unacknowledged this long are taken over (it died). */
  claimIdleMs: number;
  retryMs: number;
}

const GROUP = 'push';
/** How long one blocking read waits; also how long stop() may wait for it. */
const BLOCK_MS = 1000;

/** What a queue entry asks for: a push to one user, or a broadcast. */
type QueuedPush = { to: string; type: string; data: unknown } | { broadcast: true; type: string; data: unknown };

/**
 * The push queue: producers `XADD <prefix>push-queue * to <user> type <type> [data <json>]` (or
 * `broadcast 1` instead of `to`), and every node consumes the stream through one consumer group, so
 * each entry goes to one node. A push to a user is stored at most once per entry (the entry id is
 * claimed in the same script that appends to the inbox), so an entry taken over from a node that
 * died mid-way is not stored twice; a broadcast is claimed before it is sent (at most once).
 */
export class PushQueue {
  #stopped = false;
  #loop: Promise<void> | null = null;
  readonly #group: ConsumerGroup;

  constructor(
    private readonly redis: Redis,
    blocking: Redis,
    private readonly keys: RedisKeys,
    private readonly push: PushService,
    private readonly options: PushQueueOptions,
    private readonly logger: Logger,
  ) {
    this.#group = new ConsumerGroup(redis, blocking, `${keys.prefix}push-queue`, GROUP, options.consumer, options.batchSize, options.claimIdleMs, BLOCK_MS);
  }

  async start(): Promise<void> {
    await this.#group.ensure();
    this.#loop = this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        const { entries, source } = await this.#group.next();
        if (source === 'claimed' && entries.length > 0) this.logger.info('push queue: took over entries of a node that stopped', { entries: entries.length });
        for (const [id, fields] of entries) if (fields) await this.#pushOne(id, fields);
        await this.#group.ackAndDelete(entries.map(([id]) => id));
      } catch (err) {
        if (this.#stopped) break;
        if (ConsumerGroup.isNoGroup(err)) await this.#group.ensure().catch(() => undefined);
        this.logger.warn('push queue: read or push failed; retrying', { err: (err as Error).message });
        await sleep(this.options.retryMs);
      }
    }
  }

  /** One entry; a bad one is logged and dropped (it would fail the same way every time). */
  async #pushOne(entryId: string, fields: string[]): Promise<void> {
    const parsed = parseEntry(fields);
    if (typeof parsed === 'string') return void this.logger.error('push queue: dropping an unreadable entry', { entryId, problem: parsed });
    const id = `queue-${entryId}`;
    const claim = `${this.keys.prefix}push-done:${entryId}`;
    try {
      if ('to' in parsed) {
        await this.push.toUser(parsed.to, parsed.type, parsed.data, { id, claim });
      } else if ((await this.redis.set(claim, '1', 'PX', 86_400_000, 'NX')) === 'OK') {
        this.push.broadcast(parsed.type, parsed.data, id);
      }
    } catch (err) {
      if (err instanceof ZkchatError) return void this.logger.warn('push queue: entry refused', { entryId, err: err.message });
      throw err;
    }
  }
}

/** The entry's push, or what is wrong with it. */
export function parseEntry(fields: readonly string[]): QueuedPush | string {
  const type = fieldOf(fields, 'type');
  if (type === undefined || !PUSH_TYPE_PATTERN.test(type)) return 'type must be 1-32 of a-z, 0-9, "_", "." or "-"';
  const dataText = fieldOf(fields, 'data');
  let data: unknown = null;
  if (dataText !== undefined) {
    try {
      data = JSON.parse(dataText) as unknown;
    } catch {
      return 'data is not valid JSON';
    }
  }
  const to = fieldOf(fields, 'to');
  if (to !== undefined) return USERNAME_PATTERN.test(to) ? { to, type, data } : 'to is not a valid username';
  if (fieldOf(fields, 'broadcast') === '1') return { broadcast: true, type, data };
  return 'an entry needs "to <user>" or "broadcast 1"';
}
