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

// The checks below are plain functions, not async ones: a refusal throws straight to the caller's
// catch, and a pass hands on next()'s promise without wrapping it in another (one per request saved).

export function rateLimit<Ctx extends InterceptedRequest>(): Interceptor<Ctx> {
  return (ctx, next) => {
    const decision = ctx.takeRateToken();
    if (decision === 'flood') {
      ctx.onFlood();
      throw new ZkchatError(ErrorCode.RATE_LIMITED, 'too many requests: disconnecting');
    }
    if (decision === 'limit') throw rateLimited('too many requests: slow down');
    return next();
  };
}

export function requireAuth<Ctx extends InterceptedRequest>(publicActions: ReadonlySet<string>): Interceptor<Ctx> {
  return (ctx, next) => {
    if (!publicActions.has(ctx.action) && !ctx.isAuthenticated()) {
      throw unauthorized(`log in before "${ctx.action}"`);
    }
    return next();
  };
}

export function logRequests<Ctx extends InterceptedRequest>(logger: Logger): Interceptor<Ctx> {
  return (ctx, next) => (logger.isEnabled('debug') ? timed(logger, ctx, next) : next());
}

async function timed<Ctx extends InterceptedRequest>(logger: Logger, ctx: Ctx, next: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await next();
    logger.debug('request done', { action: ctx.action, requestId: ctx.requestId, ms: +(performance.now() - started).toFixed(2) });
  } catch (err) {
    const code = err instanceof ZkchatError ? err.code : ErrorCode.INTERNAL;
    logger.debug('request failed', { action: ctx.action, requestId: ctx.requestId, code });
    throw err;
  }
}
