import { ZkchatError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ReplyData, RequestData } from '../protocol/actions.js';
import { ErrorCode } from '../protocol/codes.js';
import { errorText } from './errors.js';
import { isUnauthorized, readResumeToken, SESSION_EXPIRED } from './resume.js';

/** Sends one login request on the new connection and resolves with the data of its reply. */
export type LoginSender = (action: 'resume' | 'login', data: RequestData<'resume' | 'login'>) => Promise<unknown>;

/** How a reconnect logged in again. */
export interface LoggedInAgain {
  login: ReplyData['login'];
  /** With the resume token (true), or with the password (false). */
  resumed: boolean;
}

/**
 * What a reconnect logs in with: the resume token of the latest login or resume (memory only,
 * never on disk), else the password of the last password login. Forgotten on logout, kick or a
 * refused reconnect.
 */
export class SavedLogin {
  /** The last password login, for a reconnect whose resume token is refused. */
  #credentials: RequestData<'login'> | null = null;
  /** The token of the latest login or resume: what a reconnect logs in with first. */
  #resumeToken: string | null = null;
  /** A login or resume was answered and nothing since forgot it: reconnects log in again. */
  #signedIn = false;

  constructor(private readonly logger: Logger) {}

  get signedIn(): boolean {
    return this.#signedIn;
  }

  /** A login or resume was answered; `credentials`: it was a password login with these. */
  loggedIn(reply: ReplyData['login'], credentials?: RequestData<'login'>): void {
    if (credentials) this.#credentials = credentials;
    this.#signedIn = true;
    this.#resumeToken = readResumeToken(reply);
  }

  /** Forgets the login: no password, no token, nothing to log in with again. */
  forget(): void {
    this.#credentials = null;
    this.#resumeToken = null;
    this.#signedIn = false;
  }

  /**
   * Logs the new connection in as the session was: with the resume token first (no password
   * needed); when the server refuses it (401: used up, expired, revoked), with the password of the
   * last login if there is one, else it rejects with 401 (back to the login prompt). `current`:
   * whether this reconnect is still the one under way (only then is a new token kept).
   */
  async logInAgain(send: LoginSender, current: () => boolean): Promise<LoggedInAgain> {
    const token = this.#resumeToken;
    if (token !== null) {
      try {
        const login = (await send('resume', { token })) as ReplyData['resume'];
        // The old token is used up now: only the new one is worth keeping, whatever happens next.
        if (current()) this.#resumeToken = readResumeToken(login);
        this.logger.info('logged in again', { with: 'resume', nodeId: login.nodeId });
        return { login, resumed: true };
      } catch (err) {
        // Anything else (no answer, 503, …): the token may still be good, the next attempt tries it again.
        if (!isUnauthorized(err)) throw err;
        if (this.#resumeToken === token) this.#resumeToken = null;
        this.logger.info('the resume token was refused', { err: errorText(err), password: this.#credentials !== null });
      }
    }
    if (this.#credentials === null) throw new ZkchatError(ErrorCode.UNAUTHORIZED, SESSION_EXPIRED);
    const login = (await send('login', this.#credentials)) as ReplyData['login'];
    if (current()) this.#resumeToken = readResumeToken(login);
    this.logger.info('logged in again', { with: 'password', nodeId: login.nodeId });
    return { login, resumed: false };
  }
}
