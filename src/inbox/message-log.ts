import type { ChainableCommander, Redis } from 'ioredis';
import { userKey, type ChatMessage, type InboxEvent, type InboxPosition, type PushMessage } from '../../protocol/actions.js';
import { privateConversation } from '../storage/message-store.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import { TurnBatch } from '../storage/turn-batch.js';
import { deviceFieldNode } from '../session/device-fields.js';
import { epochNonce } from './epoch.js';
import { parseInboxEntries, type StreamEntry } from './inbox-entries.js';
import { ackScript, inboxPositionScript, readInboxScript, storeChatsScript, storePushScript, type ScriptLimits } from './scripts.js';

export interface ChatToStore {
  /** Stored spelling of the sender (the logged-in user). */
  from: string;
  /** The recipient as typed; the script answers with the stored spelling. */
  to: string;
  message: string;
  id: string;
  ts: number;
  clientMsgId?: string;
}

export type StoreChatResult =
  | {
      status: 'stored';
      /** The message as stored; null for a resend whose entry was trimmed already. */
      message: ChatMessage | null;
      id: string;
      ts: number;
      fromSeq: number;
      toSeq: number;
      /** Nodes holding devices of the recipient and of the sender, as the sessions say (dead ones included). */
      toNodes: string[];
      fromNodes: string[];
    }
  | { status: 'unknown-recipient' }
  | { status: 'archive-full' };

export interface InboxRead extends InboxPosition {
  /** The oldest seq the log still holds (head + 1 when it holds none). */
  firstSeq: number;
  /** Events after the cursor, oldest first; empty when the cursor named another epoch. */
  events: InboxEvent[];
}

type Reply = string | number | null | Reply[];

/** What storeChatsScript answers per message: a string (stored, unknown, busy) or a resend's list. */
type StoreChatReply = string | Reply[];

/** The nodes named by a session's device fields, from its field names joined by ','. */
function deviceNodes(fields: string): string[] {
  const nodes: string[] = [];
  for (const field of fields.split(',')) {
    const node = deviceFieldNode(field);
    if (node !== null) nodes.push(node);
  }
  return nodes;
}

interface LogCommands {
  zkchatStoreChats(...args: (string | number)[]): Promise<StoreChatReply[]>;
  zkchatReadInbox(...keysThenArgs: (string | number)[]): Promise<Reply[]>;
  zkchatInboxPosition(inbox: string, meta: string, user: string, nonce: string): Promise<[string, number]>;
  zkchatStorePush(prefix: string, user: string, push: string, ts: number, nonce: string, claim: string, id: string): Promise<Reply[]>;
  zkchatAck(prefix: string, user: string, device: string, seq: number, now: number, nonce: string): Promise<Reply[]>;
}

/** A private message some device of its recipient acknowledged: its sender gets a receipt. */
export interface Receipt {
  id: string;
  /** The sender (user key) and the recipient's spelling. */
  sender: string;
  to: string;
  /** Where the receipt went in the sender's inbox. */
  senderSeq: number;
  senderNodes: string[];
}

export type AckResult = { status: 'acked'; receipts: Receipt[] } | { status: 'ahead'; head: number };

/** Where a push went and which of its user's devices acknowledged it. */
export interface PushStatus {
  user: string;
  seq: number;
  devices: { device: string; acked: boolean }[];
}

export type StorePushResult = { status: 'stored'; seq: number; nodes: string[] } | { status: 'duplicate' } | { status: 'unknown-recipient' };

/** Chats stored by one script run at most: a longer run would hold up every other Redis client. */
const MAX_CHATS_PER_CALL = 64;

/**
 * The per-user message log in Redis: every stored message goes to the recipient's and the sender's
 * inbox (gapless per-user seq), the conversation's recent list and the archive stream, in one
 * script run per batch of messages; devices read their inbox after a cursor.
 */
export class MessageLog {
  readonly #commands: LogCommands;
  readonly #redis: Redis;
  readonly #batch: TurnBatch<ChatToStore, StoreChatReply>;

  constructor(redis: Redis, private readonly keys: RedisKeys, limits: ScriptLimits) {
    redis.defineCommand('zkchatStoreChats', { numberOfKeys: 0, lua: storeChatsScript(limits) });
    redis.defineCommand('zkchatReadInbox', { numberOfKeys: 2, lua: readInboxScript(limits) });
    redis.defineCommand('zkchatInboxPosition', { numberOfKeys: 2, lua: inboxPositionScript(limits) });
    redis.defineCommand('zkchatStorePush', { numberOfKeys: 0, lua: storePushScript(limits) });
    redis.defineCommand('zkchatAck', { numberOfKeys: 0, lua: ackScript(limits) });
    this.#redis = redis;
    this.#commands = redis as unknown as LogCommands;
    this.#batch = new TurnBatch((chats) => this.#storeChats(chats), MAX_CHATS_PER_CALL);
  }

  /** Stores one chat; the chats of one event-loop turn share one Redis call. */
  async storeChat(chat: ChatToStore): Promise<StoreChatResult> {
    const reply = await this.#batch.add(chat);
    if (reply === 'unknown') return { status: 'unknown-recipient' };
    if (reply === 'busy') return { status: 'archive-full' };
    if (typeof reply === 'string') {
      // 'ok <fromSeq> <toSeq> <toSessionFields> <fromSessionFields> <to>'
      const [, fromSeq, toSeq, toFields = '', fromFields = '', spelling = chat.to] = reply.split(' ');
      const message: ChatMessage = { id: chat.id, from: chat.from, to: spelling, message: chat.message, format: 'text', ts: chat.ts };
      return { status: 'stored', message, id: chat.id, ts: chat.ts, fromSeq: Number(fromSeq), toSeq: Number(toSeq), toNodes: deviceNodes(toFields), fromNodes: deviceNodes(fromFields) };
    }
    // An earlier attempt with this client message id: `<id> <fromSeq> <toSeq> <ts> <to>`.
    const [, claim, stored, toNodes, fromNodes] = reply as [string, string, string | null, string[], string[]];
    const [id = '', fromSeq, toSeq, ts] = claim.split(' ');
    const message = stored ? (JSON.parse(stored) as ChatMessage) : null;
    return { status: 'stored', message, id, ts: Number(ts), fromSeq: Number(fromSeq), toSeq: Number(toSeq), toNodes, fromNodes };
  }

  #storeChats(chats: ChatToStore[]): Promise<StoreChatReply[]> {
    const args: (string | number)[] = [this.keys.prefix, chats.length, epochNonce()];
    for (const chat of chats) {
      const from = userKey(chat.from);
      const to = userKey(chat.to);
      args.push(to, from, JSON.stringify(chat.from), chat.id, chat.ts, JSON.stringify(chat.message), privateConversation(from, to), chat.clientMsgId ?? '');
    }
    return this.#commands.zkchatStoreChats(...args);
  }

  /** Appends a push to `user`'s inbox (user key); with `claim` (a Redis key naming the push), at most once. */
  async storePush(user: string, push: PushMessage, claim = ''): Promise<StorePushResult> {
    const reply = await this.#commands.zkchatStorePush(this.keys.prefix, user, JSON.stringify(push), push.ts, epochNonce(), claim, push.id);
    if (reply[0] === 'dup') return { status: 'duplicate' };
    if (reply[0] !== 'ok') return { status: 'unknown-recipient' };
    return { status: 'stored', seq: Number(reply[1]), nodes: reply[2] as string[] };
  }

  /** `device` (a named device, or '' for an unnamed connection) of `user` processed its inbox up to `seq`. */
  async ack(user: string, device: string, seq: number): Promise<AckResult> {
    const reply = await this.#commands.zkchatAck(this.keys.prefix, user, device, seq, Date.now(), epochNonce());
    if (reply[0] === 'ahead') return { status: 'ahead', head: Number(reply[1]) };
    // The script answers seqs as text (see append in scripts.ts).
    const receipts = (reply[2] as [string, string, string, string, string[]][]).map(([id, sender, to, senderSeq, senderNodes]) => ({ id, sender, to, senderSeq: Number(senderSeq), senderNodes }));
    return { status: 'acked', receipts };
  }

  /** A named device logs in: it is listed (at 0 until it acks) in its user's delivery statuses. */
  queueDevice(transaction: ChainableCommander, user: string, device: string): void {
    transaction.hsetnx(`${this.keys.prefix}acks:${userKey(user)}`, device, '0');
  }

  /** The delivery status of push `id`, or null when it is unknown (never stored, or expired). */
  async pushStatus(id: string): Promise<PushStatus | null> {
    const where = await this.#redis.get(`${this.keys.prefix}push:${id}`);
    if (where === null) return null;
    const [user = '', seqText = '0'] = where.split(' ');
    const seq = Number(seqText);
    const acks = await this.#redis.hgetall(`${this.keys.prefix}acks:${user}`);
    const devices = Object.entries(acks).map(([device, acked]) => ({ device, acked: Number(acked) >= seq })).sort((a, b) => a.device.localeCompare(b.device));
    return { user, seq, devices };
  }

  /** Events of `user`'s inbox after seq `after`, at most `limit`, if `epoch` (when given) is the current one. */
  async read(user: string, after: number, limit: number, epoch?: string): Promise<InboxRead> {
    const key = userKey(user);
    const [current, head, firstSeq, entries] = (await this.#commands.zkchatReadInbox(
      this.keys.inbox(key),
      this.keys.inboxMeta(key),
      key,
      after,
      limit,
      epochNonce(),
      epoch ?? '',
    )) as [string, number, number, StreamEntry[]];
    return { epoch: current, head, firstSeq, events: parseInboxEntries(entries) };
  }

  /** The inbox's epoch and head, queued on a transaction (login writes it with the session). */
  queuePosition(transaction: ChainableCommander, user: string): void {
    const key = userKey(user);
    (transaction as unknown as LogCommands).zkchatInboxPosition(this.keys.inbox(key), this.keys.inboxMeta(key), key, epochNonce());
  }

  /** Reads back what queuePosition answered. */
  static positionOf(reply: unknown): InboxPosition {
    const [epoch, head] = reply as [string, number];
    return { epoch, head };
  }
}
