import { ZkchatError, badRequest } from '../../core/errors.js';
import { Handler } from '../../core/handler.js';
import { compose, type Interceptor } from '../../core/interceptor.js';
import { logRequests, rateLimit, requireAuth } from '../../core/interceptors.js';
import { PUBLIC_ACTIONS } from '../../protocol/actions.js';
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import { FrameError, parseRequest, peekRequestId } from '../../protocol/validate.js';
import { isBackendUnavailable } from '../storage/backend-errors.js';
import type { ClientConnection } from './client-connection.js';
import { clientHandlers } from './handlers/index.js';
import { RequestContext } from './request-context.js';
import type { NodeServices } from './services.js';

/** Parses the raw frame; everything after it sees a typed, bounded request. */
function validate(maxFrameBytes: number): Interceptor<RequestContext> {
  return (ctx, next) => {
    ctx.request = parseRequest(ctx.raw, maxFrameBytes);
    ctx.conn.metrics.frameIn(ctx.request.action);
    return next();
  };
}

/**
 * Builds the function that takes one text frame from a client to its reply:
 * rate limit (before parsing, so junk floods are cut too) → validate → auth → log → handler.
 */
export function createRequestPipeline(
  services: NodeServices,
  maxFrameBytes: number,
  options: { rateLimited: boolean } = { rateLimited: true },
): (conn: ClientConnection, raw: string) => Promise<void> {
  const handler = new Handler<RequestContext>(
    Object.fromEntries(
      Object.entries(clientHandlers).map(([action, fn]) => [action, (ctx: RequestContext, data: never) => fn(services, ctx, data)]),
    ),
    (_ctx, _data, action) => {
      throw badRequest(`unknown action "${action}"`);
    },
  );

  const run = compose<RequestContext>(
    [...(options.rateLimited ? [rateLimit<RequestContext>()] : []), validate(maxFrameBytes), requireAuth(PUBLIC_ACTIONS), logRequests(services.logger)],
    async (ctx) => {
      const request = ctx.request!;
      const data = await handler.dispatch(request.action, ctx, request.data);
      ctx.conn.reply(request.id, request.action, data);
    },
  );

  return async (conn, raw) => {
    const ctx = new RequestContext(conn, raw);
    try {
      await run(ctx);
    } catch (err) {
      if (ctx.request === null) conn.metrics.frameIn(null); // rate-limited before parsing, or not a valid request
      if (err instanceof FrameError) {
        conn.fail(err.replyTo, err.code, err.message);
      } else if (err instanceof ZkchatError) {
        conn.fail(ctx.request?.id ?? peekRequestId(raw, maxFrameBytes), err.code, err.message);
      } else if (isBackendUnavailable(err)) {
        conn.logger.warn('backing service unavailable', { err: (err as Error).message, action: ctx.action });
        conn.fail(ctx.request?.id ?? null, ErrorCode.UNAVAILABLE, 'a backing service is unavailable: try again shortly');
      } else {
        conn.logger.error('request failed', { err, action: ctx.action });
        conn.fail(ctx.request?.id ?? null, ErrorCode.INTERNAL, 'internal error: the request could not be completed');
      }
    }
  };
}

/** Frames at most this long are checked for being an ack (an ack is about 60 bytes). */
const ACK_FRAME_MAX = 256;

/**
 * Acks go around the connection's queue and rate bucket. Anything that only looks like one (a small
 * frame naming "ack") is parsed here; a frame that turns out to be another action takes the normal
 * way after all, so nothing else can skip the queue.
 */
export function ackFrames(services: NodeServices, maxFrameBytes: number, normal: (conn: ClientConnection, raw: string) => Promise<void>) {
  const unlimited = createRequestPipeline(services, maxFrameBytes, { rateLimited: false });
  return {
    matches: (raw: string) => raw.length <= ACK_FRAME_MAX && raw.includes('"ack"'),
    handle: (conn: ClientConnection, raw: string): Promise<void> => {
      if (peekAction(raw) === 'ack') return unlimited(conn, raw);
      if (!conn.enqueue(() => normal(conn, raw))) conn.close(CloseCode.FLOOD, 'flood: too many requests waiting');
      return Promise.resolve();
    },
  };
}

function peekAction(raw: string): string | null {
  try {
    const frame = JSON.parse(raw) as { action?: unknown };
    return typeof frame.action === 'string' ? frame.action : null;
  } catch {
    return null;
  }
}
