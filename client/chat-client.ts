import { EventEmitter } from 'node:events';
import { ZkchatError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { SYNC_LIMIT_DEFAULT, type ClientAction, type InboxPosition, type ReplyData, type RequestData } from '../protocol/actions.js';
import { ErrorCode, shouldReconnect } from '../protocol/codes.js';
import type { ServerFrame } from '../protocol/frames.js';
import { Acks } from './acks.js';
import { DEFAULT_BACKOFF, reconnectDelay } from './backoff.js';
import type { ChatClientEvents, ChatClientOptions } from './chat-client-types.js';
import { ConnectionError, errorText } from './errors.js';
import type { CursorPosition } from './inbox-cursor.js';
import { InboxSync } from './inbox-sync.js';
import { ReconnectTimer, type RefusedLogin } from './reconnect-timer.js';
import { isUnauthorized, retryAfterMs } from './resume.js';
import type { RoomPosition } from './room-cursors.js';
import { trackRequest, type RequestEffectsHost } from './request-effects.js';
import { readRoomPositions } from './room-frames.js';
import { RoomSync } from './room-sync.js';
import { SavedLogin } from './saved-login.js';
import { serverEventRouter } from './server-events.js';
import { readInboxPosition, readSyncReply } from './server-frames.js';
import { DEFAULT_CLIENT_SETTINGS } from './settings.js';
import { SocketTransport } from './socket-transport.js';

export { ConnectionError } from './errors.js';
export type { ChatClientEvents, ChatClientOptions, ChatDelivery, DisconnectInfo, GapInfo, RoomGapInfo, RoomsSyncedInfo, SyncedInfo } from './chat-client-types.js';

type State = 'idle' | 'connecting' | 'ready' | 'waiting' | 'closed';

/**
 * One connection to a chat node: requests with ids, timeouts and typed replies, events,
 * and reconnects with backoff that log in again: with the resume token of the latest login (kept
 * in memory only), else with the password of the last login. After every login it catches up with the
 * user's inbox and rooms, so that each chat, push and room event is emitted once, in order, none
 * missed silently; with `acks` it tells the server how far the inbox was emitted. No UI.
 * The parts: SocketTransport (the socket), SavedLogin and ReconnectTimer (how and when to log in
 * again), InboxSync and RoomSync (the catch-ups), Acks, request-effects (what own requests change).
 */
export class ChatClient extends EventEmitter<ChatClientEvents> {
  readonly #options: Required<Omit<ChatClientOptions, 'resolveUrl' | 'backlog' | 'syncPageSize' | 'syncAttempts' | 'acks' | 'ackIntervalMs'>>;
  readonly #resolveUrl: () => Promise<string>;
  readonly #transport: SocketTransport;
  #state: State = 'idle';
  #lastUrl = '';
  readonly #login: SavedLogin;
  readonly #reconnects: ReconnectTimer;
  readonly #inbox: InboxSync;
  readonly #rooms: RoomSync;
  /** The inbox position of the last login: the inbox part of a sync about rooms only. */
  #loginInbox: InboxPosition | null = null;
  /** Acknowledges the inbox as it is processed (null: acks are off). */
  readonly #acks: Acks | null;
  /** What this device's own requests change. */
  readonly #requestEffects: RequestEffectsHost;
  /** The server sent redirectToLogin: the close that follows is not reconnected, whatever its code. */
  #redirected = false;

  constructor(options: ChatClientOptions = {}) {
    super();
    this.#options = {
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      maxPendingRequests: options.maxPendingRequests ?? 64,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      heartbeatMs: options.heartbeatMs ?? DEFAULT_CLIENT_SETTINGS.pingIntervalMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? (options.heartbeatMs === undefined ? DEFAULT_CLIENT_SETTINGS.pongTimeoutMs : 2 * options.heartbeatMs),
      logger: options.logger ?? silentLogger,
      random: options.random ?? Math.random,
    };
    const { logger } = this.#options;
    this.#resolveUrl = options.resolveUrl ?? (() => Promise.resolve(this.#lastUrl));
    this.#login = new SavedLogin(logger);
    this.#reconnects = new ReconnectTimer(this.#options, () => void this.#reconnect());
    const events = serverEventRouter(
      {
        inboxEvent: (event) => this.#inbox.live(event),
        broadcast: (push) => this.emit('push', push, { source: 'live' }),
        delivered: (event) => this.emit('delivered', event, { source: 'live' }),
        online: (event) => this.emit('online', event),
        redirectToLogin: (event) => {
          // No reconnect after this, even if the close that follows is lost or has another code.
          this.#redirected = true;
          this.#login.forget();
          this.emit('redirectToLogin', event);
        },
        roomEvent: (event) => this.#rooms.live(event),
        serverError: (error) => this.emit('serverError', error),
      },
      logger,
    );
    this.#transport = new SocketTransport(this.#options, {
      frame: (frame: ServerFrame) => events.dispatch(frame.action, frame, frame.data),
      closed: (code, reason) => this.#onClose(code, reason),
      notConnected: () => this.#notReady(),
    });
    const canSync = () => this.#state === 'ready' && this.#login.signedIn;
    const retryDelay = (attempt: number) => reconnectDelay(attempt, this.#options.backoff, this.#options.random);
    const sync = (request: RequestData<'sync'>) => this.#syncRequest(request);
    const catchUp = { pageSize: options.syncPageSize ?? SYNC_LIMIT_DEFAULT, attempts: options.syncAttempts ?? 4 };
    this.#inbox = new InboxSync(
      {
        canSync,
        sync,
        deliver: (event, delivery) => {
          if (event.action === 'chat') this.emit('chat', event.data, delivery);
          else if (event.action === 'push') this.emit('push', event.data, delivery);
          else this.emit('delivered', event.data, delivery);
          // Emitted means processed: the listeners ran.
          this.#acks?.poke();
        },
        gap: (info) => this.emit('gap', info),
        synced: (info) => {
          this.emit('synced', info);
          this.#acks?.poke();
        },
        failed: (message) => this.emit('syncFailed', { message }),
        retryDelay,
        logger,
      },
      { backlog: options.backlog ?? 0, ...catchUp },
    );
    this.#rooms = new RoomSync(
      {
        canSync,
        sync,
        inboxCursor: () => (this.#loginInbox ? { after: this.#loginInbox.head, epoch: this.#loginInbox.epoch } : { after: 0 }),
        deliver: (event, delivery) => this.emit('roomEvent', event, delivery),
        gap: (info) => this.emit('roomGap', info),
        left: (room) => this.emit('roomLeft', { room }),
        synced: (info) => this.emit('roomsSynced', info),
        failed: (message) => this.emit('syncFailed', { message: `room messages: ${message}` }),
        retryDelay,
        logger,
      },
      catchUp,
    );
    this.#acks = options.acks
      ? new Acks(
          {
            canSend: () => this.#state === 'ready' && this.#login.signedIn,
            position: () => this.#inbox.position,
            send: (seq) => this.#transport.send('ack', { seq }, this.#options.requestTimeoutMs),
            logger,
          },
          { intervalMs: options.ackIntervalMs },
        )
      : null;
    this.#requestEffects = {
      inbox: this.#inbox,
      rooms: this.#rooms,
      processed: () => this.#acks?.poke(),
      loggedIn: (login, credentials) => this.#loggedIn(login, credentials),
      loggedOut: () => this.#login.forget(),
    };
  }

  /** The rooms the user is in, as far as this client knows (from the login, joins, creates and events). */
  get rooms(): string[] {
    return this.#rooms.rooms;
  }

  /** Where this client stands in a room it follows (null: it does not follow it). */
  roomPosition(room: string): RoomPosition | null {
    return this.#rooms.position(room);
  }

  /** Where this client stands in its user's inbox (null before the first login). */
  get inboxPosition(): CursorPosition | null {
    return this.#inbox.position;
  }

  /** Whether requests can be sent now. */
  get isReady(): boolean {
    return this.#state === 'ready';
  }

  /** Opens the first connection; rejects with a ConnectionError when the server cannot be reached. */
  async connect(url: string): Promise<void> {
    if (this.#state !== 'idle') throw new ConnectionError(`cannot connect while ${this.#state}`);
    this.#lastUrl = url;
    this.#state = 'connecting';
    try {
      await this.#transport.open(url);
    } catch (err) {
      if (this.#state === 'connecting') this.#state = 'idle';
      throw err;
    }
    if (this.#state !== 'connecting') throw new ConnectionError('the client was closed while connecting');
    this.#state = 'ready';
  }

  /**
   * Sends one request and resolves with its reply. Rejects with ZkchatError (code and the server's
   * message) on an error frame, with ConnectionError when not connected, on timeout or on close.
   * A successful login (or resume) is remembered for reconnects; a logout forgets it, whatever its answer.
   */
  async request<A extends ClientAction>(action: A, data: RequestData<A>, timeoutMs = this.#options.requestTimeoutMs): Promise<ReplyData[A]> {
    if (this.#state !== 'ready') throw this.#notReady();
    const outcome = trackRequest(this.#requestEffects, action, data);
    let reply: ReplyData[A];
    try {
      reply = (await this.#transport.send(action, data, timeoutMs)) as ReplyData[A];
    } catch (err) {
      outcome.failed();
      throw err;
    }
    outcome.answered(reply);
    return reply;
  }

  /** Stops reconnecting, fails what is waiting, closes the socket (waiting up to 1 s for the close handshake). */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#inbox.stop();
    this.#acks?.stop();
    this.#rooms.stop();
    this.#reconnects.cancel();
    this.#login.forget();
    await this.#transport.close(new ConnectionError('the client was closed'));
  }

  #notReady(): ConnectionError {
    if (this.#state === 'closed') return new ConnectionError('the client was closed');
    if (this.#state === 'idle') return new ConnectionError('not connected to the server');
    return new ConnectionError('not connected to the server right now: reconnecting');
  }

  /** `credentials`: a password login, whose password a reconnect may need. */
  #loggedIn(login: ReplyData['login'], credentials?: RequestData<'login'>): void {
    this.#redirected = false;
    this.#login.loggedIn(login, credentials);
    const inbox = readInboxPosition(login);
    this.#loginInbox = inbox;
    if (inbox) this.#inbox.loggedIn(login.username, inbox);
    else this.#options.logger.warn('the login reply names no inbox position: events are shown as they come');
    this.#rooms.loggedIn(login.username, readRoomPositions(login));
    this.#acks?.loggedIn();
  }

  async #syncRequest(request: RequestData<'sync'>): Promise<ReplyData['sync']> {
    const read = readSyncReply(await this.#transport.send('sync', request, this.#options.requestTimeoutMs));
    if (!read) throw new ZkchatError(ErrorCode.INTERNAL, 'the server sent an unreadable sync reply');
    if (read.malformed > 0) this.#options.logger.warn('left out unreadable events of a sync reply', { count: read.malformed });
    return read.reply;
  }

  /** The socket closed: reconnect, unless it was the server's or the person's wish. */
  #onClose(code: number, reason: string): void {
    // While connecting, the attempt in progress sees the failure and decides what follows.
    if (this.#state !== 'ready') return;
    const willReconnect = shouldReconnect(code) && !this.#redirected;
    this.#state = willReconnect ? 'waiting' : 'idle';
    if (!willReconnect) this.#login.forget();
    this.emit('disconnected', { code, reason, willReconnect });
    if (willReconnect) this.#scheduleReconnect();
  }

  /** `wait`: the server refused the login for now (429) and said how long to wait. */
  #scheduleReconnect(wait?: RefusedLogin): void {
    this.#state = 'waiting';
    this.emit('reconnecting', this.#reconnects.schedule(wait));
  }

  async #reconnect(): Promise<void> {
    this.#state = 'connecting';
    const current = () => this.#state === 'connecting';
    try {
      const url = await this.#resolveUrl();
      if (!current()) return;
      await this.#transport.open(url);
      const send = (action: string, data: unknown) => this.#transport.send(action, data, this.#options.requestTimeoutMs);
      const again = this.#login.signedIn ? await this.#login.logInAgain(send, current) : null;
      if (!current()) return;
      if (!this.#transport.isOpen) throw new ConnectionError('the connection closed while logging in again');
      this.#state = 'ready';
      this.#reconnects.succeeded();
      this.emit('reconnected', again ? { login: again.login, resumed: again.resumed } : { login: null });
      if (again && this.#state === 'ready') this.#loggedIn(again.login);
    } catch (err) {
      if (!current()) return;
      this.#options.logger.info('reconnect failed', { attempt: this.#reconnects.attempts, err: errorText(err) });
      this.#transport.abandon(new ConnectionError('the connection is being replaced'));
      if (isUnauthorized(err)) {
        this.#login.forget();
        this.#state = 'idle';
        this.emit('sessionLost', { message: errorText(err) });
        return;
      }
      const waitMs = retryAfterMs(err);
      this.#scheduleReconnect(waitMs === null ? undefined : { ms: waitMs, refused: errorText(err) });
    }
  }
}
