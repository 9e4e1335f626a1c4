import { randomUUID } from 'node:crypto';
import { notFound, unavailable } from '../../../core/errors.js';
import type { ChatEventData, ReplyData, RequestData } from '../../../protocol/actions.js';
import { privateConversation } from '../../storage/message-store.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

// How long a client's own message id is remembered, so a resend after a reconnect is not delivered twice.
const CLIENT_MSG_ID_TTL_S = 600;

/**
 * Private message. The reply comes only once every node holding a device of the recipient has
 * confirmed delivery, so an acknowledged message is never lost. A resend with the same
 * `clientMsgId` reuses the first attempt's id, so receivers drop it if the first got through.
 */
export async function chat(services: NodeServices, ctx: RequestContext, data: RequestData<'chat'>): Promise<ReplyData['chat']> {
  const from = ctx.username;
  if (!services.messages.hasRoom()) throw unavailable('history storage is behind: try again shortly');

  let event: ChatEventData = { id: randomUUID(), from, to: data.to, message: data.message, format: 'text', ts: Date.now() };
  const dedupe = data.clientMsgId === undefined ? null : new ClientMsgIds(services, from, data.clientMsgId);
  if (dedupe) {
    const earlier = await dedupe.claim(event);
    if (earlier?.done) return { id: earlier.id, ts: earlier.ts };
    if (earlier) event = { ...event, id: earlier.id, ts: earlier.ts };
  }
  if (!(await services.router.deliver(event))) {
    await dedupe?.release();
    throw notFound(`user "${data.to}" is not online`);
  }
  await dedupe?.markDone(event);
  services.messages.append({ _id: event.id, conversation: privateConversation(from, event.to), ...event });
  return { id: event.id, ts: event.ts };
}

interface EarlierAttempt {
  id: string;
  ts: number;
  done: boolean;
}

/** The first attempt of each clientMsgId in Redis: `<id> <ts> pending|done`, for CLIENT_MSG_ID_TTL_S. */
class ClientMsgIds {
  readonly #key: string;

  constructor(private readonly services: NodeServices, from: string, clientMsgId: string) {
    this.#key = `${services.redisPrefix}cmid:${from}:${clientMsgId}`;
  }

  /** Claims the id for `event`; returns the earlier attempt when there was one. */
  async claim(event: ChatEventData): Promise<EarlierAttempt | null> {
    const claimed = await this.services.redis.set(this.#key, `${event.id} ${event.ts} pending`, 'EX', CLIENT_MSG_ID_TTL_S, 'NX');
    if (claimed === 'OK') return null;
    const [id, ts, state] = ((await this.services.redis.get(this.#key)) ?? '').split(' ');
    return id && ts ? { id, ts: Number(ts), done: state === 'done' } : null;
  }

  async markDone(event: ChatEventData): Promise<void> {
    await this.services.redis.set(this.#key, `${event.id} ${event.ts} done`, 'EX', CLIENT_MSG_ID_TTL_S);
  }

  async release(): Promise<void> {
    await this.services.redis.del(this.#key);
  }
}
