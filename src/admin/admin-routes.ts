import { notFound, ZkchatError } from '../../core/errors.js';
import { PUSH_TYPE_PATTERN, USERNAME_PATTERN } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import { integer, object, optional, string, type Schema } from '../../protocol/schema.js';
import type { PushService } from '../push/push-service.js';
import type { AdminReply } from './admin-server.js';

const username = string({ min: 3, max: 32, pattern: USERNAME_PATTERN, patternHint: 'must be 3-32 letters, digits, "_", "." or "-"' });
const type = string({ min: 1, max: 32, pattern: PUSH_TYPE_PATTERN, patternHint: 'must be 1-32 of a-z, 0-9, "_", "." or "-"' });
/** Any JSON value the back office wants delivered; its size is bounded by the body limit. */
const anyJson: Schema<unknown> = (value) => value;
const pushToUser = object({ to: username, type, data: optional(anyJson) });
const broadcast = object({ type, data: optional(anyJson) });
const kick = object({ username, reason: optional(string({ min: 1, max: 200 })) });
const onlineLimit = integer({ min: 1, max: 1000 });

export interface AdminLimits {
  onlinePageDefault: number;
}

/** The push API's endpoints. */
export class AdminRoutes {
  constructor(private readonly push: PushService, private readonly limits: AdminLimits) {}

  async handle(method: string, path: string, query: URLSearchParams, body: unknown): Promise<AdminReply> {
    const route = `${method} ${path}`;
    switch (route) {
      case 'POST /push/user': {
        const data = pushToUser(body, 'body');
        return { status: 200, body: await this.push.toUser(data.to, data.type, data.data ?? null) };
      }
      case 'POST /push/broadcast': {
        const data = broadcast(body, 'body');
        return { status: 200, body: this.push.broadcast(data.type, data.data ?? null) };
      }
      case 'POST /kick': {
        const data = kick(body, 'body');
        return { status: 200, body: await this.push.kick(data.username, data.reason ?? 'your account was removed') };
      }
      case 'GET /online': {
        const limitText = query.get('limit');
        const limit = limitText === null ? this.limits.onlinePageDefault : onlineLimit(Number(limitText), 'limit');
        return { status: 200, body: await this.push.online(query.get('cursor') ?? undefined, limit) };
      }
      default:
        if (['/push/user', '/push/broadcast', '/kick', '/online'].includes(path)) {
          throw new ZkchatError(ErrorCode.METHOD_NOT_ALLOWED, `${method} is not allowed on ${path}`);
        }
        if (method === 'GET' && /^\/push\/[^/]+$/.test(path)) {
          return { status: 200, body: await this.push.status(decodeURIComponent(path.slice('/push/'.length))) };
        }
        throw notFound(`no such endpoint: ${method} ${path}`);
    }
  }
}

