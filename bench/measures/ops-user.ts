/**
 * One user of the operations measures, in a generator: its connection, its resume token, and —
 * given a gateway — the terminal client's way back after its node drops it (client/chat-client.ts):
 * wait the client's backoff, ask the gateway for a node, `resume` with the token of the latest
 * login, and only if that is refused log in with the password.
 */
import { ZkchatError } from '../../core/errors.js';
import type { ReplyData } from '../../protocol/actions.js';
import { DEFAULT_BACKOFF, reconnectDelay } from '../../client/backoff.js';
import { ConnectionError } from '../../client/errors.js';
import { readResumeToken } from '../../client/resume.js';
import { resolveNodeUrl } from '../../client/server-address.js';
import { Connection, errorOf, type Frame } from '../connection.js';
import { nowMs } from '../ipc.js';
import type { OpsUser } from './ops-protocol.js';

export type LoginReply = ReplyData['login'];

/** How a login went: with the password at the start, with the token, or with the password after the token was refused. */
export type LoginHow = 'login' | 'resume' | 'password';

/** What the traffic on top of a user wants to hear. */
export interface UserHooks {
  loggedIn(reply: LoginReply, how: LoginHow): void;
  event(frame: Frame): void;
  dropped(): void;
}

const NO_HOOKS: UserHooks = { loggedIn: () => undefined, event: () => undefined, dropped: () => undefined };
/** How long a login, resume or sync may wait for its reply. */
const REQUEST_TIMEOUT_MS = 30_000;

export class OpsUserConnection {
  hooks: UserHooks = NO_HOOKS;
  #conn: Connection | null = null;
  /** Rejects when the current connection is lost (requests on it fail then rather than wait). */
  #lost: Promise<never> = new Promise(() => undefined);
  #token: string | null = null;
  #ready = false;
  #closed = false;
  #reconnecting = false;
  /** Times the server side closed or lost this user's connection, and reconnect attempts. */
  drops = 0;
  attempts = 0;
  droppedAt: number | null = null;
  backAt: number | null = null;
  lastLogin: LoginReply | null = null;
  lastHow: LoginHow | null = null;
  /** Why reconnect attempts failed: step → count ('gateway', 'connect', 'resume'). */
  readonly failures: Record<string, number> = {};

  constructor(readonly spec: OpsUser, private readonly gateway: string | null) {}

  /** The connection while it is open and logged in. */
  get ready(): Connection | null {
    return this.#ready ? this.#conn : null;
  }

  /** Opens a connection to `url` (default: the user's own server); nothing is sent. */
  async open(url = this.spec.url): Promise<Connection> {
    const conn = await Connection.open(url);
    this.#conn = conn;
    this.#ready = false;
    let lose: (err: Error) => void = () => undefined;
    this.#lost = new Promise<never>((_, reject) => (lose = reject));
    this.#lost.catch(() => undefined);
    conn.onEvent = (frame) => this.hooks.event(frame);
    conn.onClose = (code, reason) => {
      lose(new ConnectionError(`connection closed (${code} ${reason})`));
      if (this.#conn === conn) this.#drop();
    };
    return conn;
  }

  /** Opens and logs in with the password. */
  async logIn(): Promise<void> {
    await this.open();
    this.#loggedIn(await this.request('login', { username: this.spec.username, password: this.spec.password }), 'login');
  }

  /** Opens (at `url`) and logs in with the resume token; with the password when the token is refused. */
  async resume(url = this.spec.url): Promise<LoginHow> {
    await this.open(url);
    return this.#logInAgain();
  }

  /** On the connection just opened: the resume token, else the password. */
  async #logInAgain(): Promise<LoginHow> {
    const token = this.#token;
    if (token !== null) {
      try {
        this.#loggedIn(await this.request('resume', { token }), 'resume');
        return 'resume';
      } catch (err) {
        if (!(err instanceof ZkchatError && err.code === 401)) throw err;
      }
    }
    this.#loggedIn(await this.request('login', { username: this.spec.username, password: this.spec.password }), 'password');
    return 'password';
  }

  /** A request on the current connection; an error reply throws ZkchatError, a lost connection ConnectionError. */
  async request<T>(action: string, data: unknown): Promise<T> {
    const conn = this.#conn;
    if (!conn) throw new ConnectionError('not connected');
    const frame = await Promise.race([this.#lost, conn.requestAsync(action, data, REQUEST_TIMEOUT_MS)]);
    const error = errorOf(frame);
    if (error) throw new ZkchatError(error.code, `${action} ${this.spec.username}: ${error.code} ${error.message}`);
    return frame.data as T;
  }

  /** Closes the connection; it does not come back by itself (until the next open). */
  disconnect(): void {
    this.#ready = false;
    this.#conn?.close();
    this.#conn = null;
  }

  /** Closes for good: no reconnect follows. */
  close(): void {
    this.#closed = true;
    this.disconnect();
  }

  #loggedIn(reply: LoginReply, how: LoginHow): void {
    this.#token = readResumeToken(reply);
    this.#ready = true;
    this.lastLogin = reply;
    this.lastHow = how;
    this.hooks.loggedIn(reply, how);
  }

  #drop(): void {
    this.#ready = false;
    this.drops++;
    this.droppedAt ??= nowMs();
    this.backAt = null;
    this.hooks.dropped();
    if (this.gateway !== null && !this.#closed) void this.#comeBack();
  }

  /** Retries with the terminal client's backoff until logged in again (or closed). */
  async #comeBack(): Promise<void> {
    if (this.#reconnecting) return;
    this.#reconnecting = true;
    try {
      for (let attempt = 0; !this.#closed; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, reconnectDelay(attempt, DEFAULT_BACKOFF)));
        if (this.#closed) return;
        this.attempts++;
        let step = 'gateway';
        try {
          const url = await resolveNodeUrl(this.gateway!);
          step = 'connect';
          await this.open(url);
          step = 'resume';
          await this.#logInAgain();
          this.backAt = nowMs();
          return;
        } catch {
          // The gateway still names the dead node, or the login failed: try again after the next delay.
          this.failures[step] = (this.failures[step] ?? 0) + 1;
          this.#conn?.close();
        }
      }
    } finally {
      this.#reconnecting = false;
    }
  }
}
