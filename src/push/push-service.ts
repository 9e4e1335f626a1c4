import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { notFound } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { userKey, type PushMessage } from '../../protocol/actions.js';
import type { DeviceConnection } from '../delivery/local-delivery.js';
import type { DeliveryRouter } from '../delivery/router.js';
import type { MessageLog } from '../inbox/message-log.js';
import type { GlobalSessions } from '../session/global-sessions.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import type { UserDirectory } from '../storage/user-directory.js';
import type { Subscriptions } from './subscriptions.js';
import type { ResumeTokens } from '../session/resume-tokens.js';
import { onlineUsersPage, type OnlinePage } from './online-users.js';

export interface PushServiceDeps {
  log: MessageLog;
  directory: UserDirectory;
  router: DeliveryRouter<DeviceConnection>;
  sessions: GlobalSessions;
  redis: Redis;
  keys: RedisKeys;
  /** Live nodes, this one included. */
  liveNodes(): string[];
  subscriptions: Subscriptions;
  resumeTokens: ResumeTokens;
  logger: Logger;
}

/**
 * What the back office can do to users: push to one (stored in their inbox first, so an offline user
 * gets it at the next login), broadcast to every connection once, kick, and list who is online.
 */
export class PushService {
  constructor(private readonly deps: PushServiceDeps) {}

  /**
   * Every device of `to`, on whatever node; stored first. A type the user turned off is neither
   * stored nor delivered (`unsubscribed: true`). 404 for an unknown user.
   */
  async toUser(to: string, type: string, data: unknown, once?: { id: string; claim: string }): Promise<{ id: string; seq: number | null; online: boolean; unsubscribed?: true; duplicate?: true }> {
    const user = userKey(to);
    const push: PushMessage = { id: once?.id ?? randomUUID(), type, data, ts: Date.now() };
    const off = await this.deps.subscriptions.off(user);
    if (off === null) throw notFound(`no user named "${to}"`);
    if (off.has(type)) return { id: push.id, seq: null, online: false, unsubscribed: true };
    let stored = await this.deps.log.storePush(user, push, once?.claim);
    if (stored.status === 'unknown-recipient' && (await this.deps.directory.spelling(to)) !== null) stored = await this.deps.log.storePush(user, push, once?.claim);
    if (stored.status === 'unknown-recipient') throw notFound(`no user named "${to}"`);
    if (stored.status === 'duplicate') return { id: push.id, seq: null, online: false, duplicate: true };
    this.deps.router.deliver(push.id, { action: 'push', data: push }, [{ user, seq: stored.seq, nodes: stored.nodes }]);
    return { id: push.id, seq: stored.seq, online: this.deps.router.anyAlive(stored.nodes) };
  }

  /** Every logged-in connection of the cluster, once (not stored: offline users do not get it). */
  broadcast(type: string, data: unknown, id: string = randomUUID()): { id: string; nodes: number } {
    const push: PushMessage = { id, type, data, ts: Date.now() };
    this.deps.router.broadcast(push.id, { action: 'push', data: push });
    return { id: push.id, nodes: this.deps.liveNodes().length };
  }

  /**
   * The seed's account-deleted flow: every device of the user is told to go back to its login
   * prompt and closed with 4500 (do not reconnect); each node then drops its share of the session.
   */
  async kick(username: string, reason: string): Promise<{ username: string; nodes: string[] }> {
    const session = await this.deps.sessions.get(username);
    const nodes = session ? Object.keys(session.devices) : [];
    const user = userKey(username);
    await this.deps.resumeTokens.revokeUser(user); // before the sockets close: no device may come back by itself
    this.deps.router.deliver(`kick:${user}:${randomUUID()}`, { action: 'kick', data: { reason } }, [{ user, seq: 0, nodes }]);
    this.deps.logger.info('user kicked', { user, reason, nodes });
    return { username, nodes };
  }

  /** Users with a device on a live node, by user key, `limit` per page after `cursor`. */
  online(cursor: string | undefined, limit: number): Promise<OnlinePage> {
    return onlineUsersPage(this.deps.redis, this.deps.keys, this.deps.liveNodes(), cursor, limit);
  }

  /** Where push `id` went and which devices of its user acknowledged it; 404 when unknown or expired. */
  async status(id: string): Promise<{ id: string; to: string; seq: number; delivered: boolean; devices: { device: string; acked: boolean }[] }> {
    const status = await this.deps.log.pushStatus(id);
    if (!status) throw notFound(`no push with id "${id}" (never stored for a user, or expired)`);
    return { id, to: status.user, seq: status.seq, delivered: status.devices.some((d) => d.acked), devices: status.devices };
  }
}
