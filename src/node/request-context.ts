import type { InterceptedRequest } from '../../core/interceptors.js';
import type { RateDecision } from '../../core/rate-limiter.js';
import { CloseCode } from '../../protocol/codes.js';
import type { ValidRequest } from '../../protocol/validate.js';
import type { ClientConnection } from './client-connection.js';

/** One inbound frame on its way through the interceptor chain to a handler. */
export class RequestContext implements InterceptedRequest {
  request: ValidRequest | null = null;

  constructor(readonly conn: ClientConnection, readonly raw: string) {}

  get action(): string {
    return this.request?.action ?? '';
  }

  get requestId(): string {
    return this.request?.id ?? '';
  }

  /** The logged-in user's spelling; handlers behind `requireAuth` may rely on it. */
  get username(): string {
    if (this.conn.username === null) throw new Error('RequestContext.username read before login');
    return this.conn.username;
  }

  /** The logged-in user's key (case-folded name). */
  get user(): string {
    if (this.conn.user === null) throw new Error('RequestContext.user read before login');
    return this.conn.user;
  }

  isAuthenticated(): boolean {
    return this.conn.username !== null;
  }

  takeRateToken(): RateDecision {
    return this.conn.takeRateToken();
  }

  onFlood(): void {
    this.conn.logger.warn('closing flooding connection', { user: this.conn.username });
    this.conn.close(CloseCode.FLOOD, 'flood: too many requests');
  }
}
