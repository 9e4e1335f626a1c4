import { ErrorCode } from '../protocol/codes.js';
import { ZkchatError, rateLimited, unauthorized } from './errors.js';
import type { Interceptor } from './interceptor.js';
import type { Logger } from './logger.js';
import type { RateDecision } from './rate-limiter.js';

/** What the built-in interceptors need to know about one request. */
export interface InterceptedRequest {
  readonly action: string;
  readonly requestId: string;
  isAuthenticated(): boolean;
  takeRateToken(): RateDecision;
  /** Called once when the sender turns out to be flooding. */
  onFlood(): void;
}

export function rateLimit<Ctx extends InterceptedRequest>(): Interceptor<Ctx> {
  return async (ctx, next) => {
    const decision = ctx.takeRateToken();
    if (decision === 'flood') {
      ctx.onFlood();
      throw new ZkchatError(ErrorCode.RATE_LIMITED, 'too many requests: disconnecting');
    }
    if (decision === 'limit') throw rateLimited('too many requests: slow down');
    await next();
  };
}

export function requireAuth<Ctx extends InterceptedRequest>(publicActions: ReadonlySet<string>): Interceptor<Ctx> {
  return async (ctx, next) => {
    if (!publicActions.has(ctx.action) && !ctx.isAuthenticated()) {
      throw unauthorized(`log in before "${ctx.action}"`);
    }
    await next();
  };
}

export function logRequests<Ctx extends InterceptedRequest>(logger: Logger): Interceptor<Ctx> {
  return async (ctx, next) => {
    if (!logger.isEnabled('debug')) return next();
    const started = performance.now();
    try {
      await next();
      logger.debug('request done', { action: ctx.action, requestId: ctx.requestId, ms: +(performance.now() - started).toFixed(2) });
    } catch (err) {
      const code = err instanceof ZkchatError ? err.code : ErrorCode.INTERNAL;
      logger.debug('request failed', { action: ctx.action, requestId: ctx.requestId, code });
      throw err;
    }
  };
}
