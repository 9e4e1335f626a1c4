import type { ChainableCommander, Redis } from 'ioredis';
import type { InboxPosition, RoomEvent, RoomMessage } from '../../protocol/actions.js';
import { epochNonce } from '../inbox/epoch.js';
import type { StreamEntry } from '../inbox/inbox-entries.js';
import { inboxPositionScript, readInboxScript, type ScriptLimits } from '../inbox/scripts.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { TurnBatch } from '../storage/turn-batch.js';
import { parseRecentMessages, parseRoomEntries, type RoomEventBody } from './room-entries.js';
import { storeRoomEventsScript } from './room-scripts.js';

/** One event for a room's log; `clientMsgId` only for chats. */
export interface RoomEventToStore {
  room: string;
  body: RoomEventBody;
  /** The sender (chat) or the member who joined or left (user key). */
  user: string;
  clientMsgId?: string;
}

export type StoreRoomEventResult =
  | { status: 'stored'; seq: number }
  /** An earlier attempt with this client message id was stored: its id, seq and ts. */
  | { status: 'duplicate'; id: string; seq: number; ts: number }
  | { status: 'archive-full' };

export interface RoomLogRead extends InboxPosition {
  firstSeq: number;
  events: RoomEvent[];
}

type Reply = string | number | null | Reply[];

interface RoomLogCommands {
  zkchatStoreRoomEvents(...args: (string | number)[]): Promise<Reply[][]>;
  zkchatReadRoomLog(...keysThenArgs: (string | number)[]): Promise<Reply[]>;
  zkchatRoomPosition(log: string, meta: string, tag: string, nonce: string): Promise<[string, number]>;
}

/** Events stored by one script run at most: a longer run would hold up every other Redis client. */
const MAX_EVENTS_PER_CALL = 64;

/** The tag a room's epochs carry (a user's carry the user key): rooms and users never share one. */
export function roomEpochTag(room: string): string {
  return `r:${room}`;
}

/**
 * The rooms' logs in Redis: a gapless per-room seq, bounded like the inboxes, epochs like theirs;
 * chats also go to the room's recent list and the archive. Written by the room host only, read by
 * any node (sync, join).
 */
export class RoomLog {
  readonly #commands: RoomLogCommands;
  readonly #batch: TurnBatch<RoomEventToStore, Reply[]>;

  constructor(private readonly redis: Redis, private readonly keys: RedisKeys, private readonly recentSize: number, limits: ScriptLimits) {
    redis.defineCommand('zkchatStoreRoomEvents', { numberOfKeys: 0, lua: storeRoomEventsScript(limits) });
    redis.defineCommand('zkchatReadRoomLog', { numberOfKeys: 2, lua: readInboxScript(limits) });
    redis.defineCommand('zkchatRoomPosition', { numberOfKeys: 2, lua: inboxPositionScript(limits) });
    this.#commands = redis as unknown as RoomLogCommands;
    this.#batch = new TurnBatch((events) => this.#store(events), MAX_EVENTS_PER_CALL);
  }

  /** Appends one event; the events of one event-loop turn share one Redis call. */
  async append(event: RoomEventToStore): Promise<StoreRoomEventResult> {
    const reply = await this.#batch.add(event);
    if (reply[0] === 'ok') return { status: 'stored', seq: Number(reply[1]) };
    if (reply[0] === 'busy') return { status: 'archive-full' };
    const [id = '', seq, ts] = String(reply[1]).split(' ');
    return { status: 'duplicate', id, seq: Number(seq), ts: Number(ts) };
  }

  #store(events: RoomEventToStore[]): Promise<Reply[][]> {
    const args: (string | number)[] = [this.keys.prefix, events.length];
    for (const { room, body, user, clientMsgId } of events) {
      args.push(room, body.action, JSON.stringify(body.data), body.data.ts, user, clientMsgId ?? '', epochNonce(), body.action === 'roomChat' ? '1' : '');
    }
    return this.#commands.zkchatStoreRoomEvents(...args);
  }

  /** Events of the room's log after `after`, at most `limit`, if `epoch` (when given) is the current one. */
  async read(room: string, after: number, limit: number, epoch?: string): Promise<RoomLogRead> {
    const [current, head, firstSeq, entries] = (await this.#commands.zkchatReadRoomLog(
      this.#log(room),
      this.#meta(room),
      roomEpochTag(room),
      after,
      limit,
      epochNonce(),
      epoch ?? '',
    )) as [string, number, number, StreamEntry[]];
    return { epoch: current, head, firstSeq, events: parseRoomEntries(entries) };
  }

  /** Where each room's log stands (made if missing), in one round trip. */
  async positions(rooms: readonly string[]): Promise<Record<string, InboxPosition>> {
    if (rooms.length === 0) return {};
    const pipeline = this.redis.pipeline();
    for (const room of rooms) (pipeline as unknown as RoomLogCommands).zkchatRoomPosition(this.#log(room), this.#meta(room), roomEpochTag(room), epochNonce());
    const results = (await pipeline.exec()) ?? [];
    const out: Record<string, InboxPosition> = {};
    rooms.forEach((room, i) => {
      const [err, value] = results[i] ?? [new Error('no answer')];
      if (err) throw err;
      const [epoch, head] = value as [string, number];
      out[room] = { epoch, head };
    });
    return out;
  }

  /** Queues each room's position on a transaction (login writes them with the session). */
  queuePositions(transaction: ChainableCommander, rooms: readonly string[]): void {
    for (const room of rooms) (transaction as unknown as RoomLogCommands).zkchatRoomPosition(this.#log(room), this.#meta(room), roomEpochTag(room), epochNonce());
  }

  /** The room's newest messages, oldest first. */
  async recent(room: string, count = this.recentSize): Promise<RoomMessage[]> {
    return parseRecentMessages(await this.redis.lrange(`${this.keys.prefix}recent:r:${room}`, 0, count - 1));
  }

  #log(room: string): string {
    return `${this.keys.prefix}room-log:${room}`;
  }

  #meta(room: string): string {
    return `${this.keys.prefix}room-meta:${room}`;
  }
}
