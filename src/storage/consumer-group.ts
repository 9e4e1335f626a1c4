import type { Redis } from 'ioredis';

/** A stream entry as a consumer group reads it; `null` fields: deleted since it was delivered. */
export type GroupEntry = [id: string, fields: string[] | null];
type ReadReply = [stream: string, entries: GroupEntry[]][] | null;

/**
 * One consumer's side of a Redis Stream consumer group, as the archive writer and the push queue
 * use it: read its own unfinished entries or new ones, take over what a dead consumer left idle,
 * acknowledge and delete what is done (so the stream's length is the work still to do).
 */
export class ConsumerGroup {
  /** Entries an earlier run of this consumer read and did not finish come first. */
  #ownLeftovers = true;
  #lastClaimAt = Date.now();

  constructor(
    private readonly redis: Redis,
    /** A connection of its own for the blocking reads. */
    private readonly blocking: Redis,
    readonly stream: string,
    private readonly group: string,
    readonly consumer: string,
    private readonly batchSize: number,
    /** How long a dead consumer's entries stay unacknowledged before `next()` takes them over. */
    private readonly claimIdleMs: number,
    /** How long a read of new entries waits for some. */
    private readonly blockMs: number,
  ) {}

  /**
   * The next batch to work on: this consumer's own unfinished entries while there are any, then,
   * every half `claimIdleMs`, entries a dead consumer left idle, otherwise new ones. `source` says
   * which (only new entries are seen for the first time).
   */
  async next(): Promise<{ entries: GroupEntry[]; source: 'own' | 'claimed' | 'new' }> {
    if (this.#ownLeftovers) {
      const entries = await this.read('0', this.blockMs);
      this.#ownLeftovers = entries.length > 0;
      return { entries, source: 'own' };
    }
    if (Date.now() - this.#lastClaimAt >= this.claimIdleMs / 2) {
      this.#lastClaimAt = Date.now();
      return { entries: await this.claimIdle(this.claimIdleMs), source: 'claimed' };
    }
    return { entries: await this.read('>', this.blockMs), source: 'new' };
  }

  /** Creates the group (and the stream) unless they exist. */
  async ensure(): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', this.stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
  }

  /** `'0'`: entries this consumer read before and did not finish (e.g. before a restart); `'>'`: new ones, waiting up to `blockMs`. */
  async read(from: '0' | '>', blockMs: number): Promise<GroupEntry[]> {
    const reply = (
      from === '0'
        ? await this.redis.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'STREAMS', this.stream, '0')
        : await this.blocking.xreadgroup('GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'BLOCK', blockMs, 'STREAMS', this.stream, '>')
    ) as ReadReply;
    return reply?.[0]?.[1] ?? [];
  }

  /** Takes over entries another consumer read but left unacknowledged for `idleMs` (it died). */
  async claimIdle(idleMs: number): Promise<GroupEntry[]> {
    const [, entries] = (await this.redis.xautoclaim(this.stream, this.group, this.consumer, idleMs, '0-0', 'COUNT', this.batchSize)) as [string, GroupEntry[], string[]?];
    return entries;
  }

  /** Still working on them: resets their idle time so no other consumer takes them over meanwhile. */
  async keep(ids: readonly string[]): Promise<void> {
    await this.redis.xclaim(this.stream, this.group, this.consumer, 0, ...ids, 'JUSTID');
  }

  async ackAndDelete(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.redis.multi().xack(this.stream, this.group, ...ids).xdel(this.stream, ...ids).exec();
  }

  /** Whether `err` says the group is gone (e.g. the stream was deleted): then `ensure()` again. */
  static isNoGroup(err: unknown): boolean {
    return String((err as Error).message).includes('NOGROUP');
  }
}
