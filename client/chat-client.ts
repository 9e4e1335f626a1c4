import { EventEmitter } from 'node:events';
import WebSocket, { type RawData } from 'ws';
import { ZkchatError } from '../core/errors.js';
import { Handler } from '../core/handler.js';
import { silentLogger } from '../core/logger.js';
import { sendFrame } from '../core/net.js';
import { isChatEventData, SYNC_LIMIT_DEFAULT, type ClientAction, type InboxPosition, type ReplyData, type RequestData } from '../protocol/actions.js';
import { CloseCode, ErrorCode, shouldReconnect } from '../protocol/codes.js';
import { isReplyFrame, requestFrame, type ServerFrame } from '../protocol/frames.js';
import { Acks } from './acks.js';
import { DEFAULT_BACKOFF, reconnectDelay } from './backoff.js';
import type { ChatClientEvents, ChatClientOptions } from './chat-client-types.js';
import { Heartbeat } from './heartbeat.js';
import { ConnectionError, describeSocketError } from './errors.js';
import type { CursorPosition } from './inbox-cursor.js';
import { InboxSync } from './inbox-sync.js';
import { PendingRequests } from './pending-requests.js';
import { readDelivered, readOnline, readPush, readRedirect } from './push-frames.js';
import { isUnauthorized, readResumeToken, retryAfterMs, SESSION_EXPIRED } from './resume.js';
import type { RoomPosition } from './room-cursors.js';
import { isRoomInfo, readJoinReply, readRoomEvent, readRoomPositions } from './room-frames.js';
import { RoomSync } from './room-sync.js';
import { DEFAULT_CLIENT_SETTINGS } from './settings.js';
import { decodeServerFrame, frameText, readErrorData, readInboxPosition, readSyncReply } from './server-frames.js';

export { ConnectionError } from './errors.js';
export type { ChatClientEvents, ChatClientOptions, ChatDelivery, DisconnectInfo, GapInfo, RoomGapInfo, RoomsSyncedInfo, SyncedInfo } from './chat-client-types.js';

type State = 'idle' | 'connecting' | 'ready' | 'waiting' | 'closed';

/**
 * One connection to a chat node: requests with ids, timeouts and typed replies, events,
 * and reconnects with backoff that log in again: with the resume token of the latest login (kept
 * in memory only), else with the password of the last login. After every login it catches up with the
 * user's inbox and rooms, so that each chat, push and room event is emitted once, in order, none
 * missed silently; with `acks` it tells the server how far the inbox was emitted. No UI.
 */
export class ChatClient extends EventEmitter<ChatClientEvents> {
  readonly #options: Required<Omit<ChatClientOptions, 'resolveUrl' | 'backlog' | 'syncPageSize' | 'syncAttempts' | 'acks' | 'ackIntervalMs'>>;
  readonly #resolveUrl: () => Promise<string>;
  readonly #pending: PendingRequests;
  readonly #inbound: Handler<ServerFrame>;
  #state: State = 'idle';
  #socket: WebSocket | null = null;
  #lastUrl = '';
  /** The last password login, for a reconnect whose resume token is refused. */
  #credentials: RequestData<'login'> | null = null;
  /** The token of the latest login or resume (memory only, never on disk): what a reconnect logs in with first. */
  #resumeToken: string | null = null;
  /** A login or resume was answered and no logout, kick or refused reconnect came since: reconnects log in again. */
  #signedIn = false;
  #nextId = 0;
  #attempt = 0;
  #reconnectTimer: NodeJS.Timeout | null = null;
  readonly #heartbeat: Heartbeat;
  /** The socket the heartbeat gave up on: its close is reported with that reason. */
  #silentSocket: WebSocket | null = null;
  readonly #inbox: InboxSync;
  readonly #rooms: RoomSync;
  /** The inbox position of the last login: the inbox part of a sync about rooms only. */
  #loginInbox: InboxPosition | null = null;
  /** Acknowledges the inbox as it is processed (null: acks are off). */
  readonly #acks: Acks | null;
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
    this.#resolveUrl = options.resolveUrl ?? (() => Promise.resolve(this.#lastUrl));
    this.#pending = new PendingRequests(this.#options.maxPendingRequests);
    this.#heartbeat = new Heartbeat({ intervalMs: this.#options.heartbeatMs, timeoutMs: this.#options.heartbeatTimeoutMs }, () => {
      this.#silentSocket = this.#socket;
      this.#options.logger.info('the server went silent: dropping the connection', { timeoutMs: this.#options.heartbeatTimeoutMs });
    });
    this.#inbound = new Handler<ServerFrame>(
      {
        error: (frame: ServerFrame) => this.#onErrorFrame(frame),
        chat: (_frame: ServerFrame, data: unknown) => {
          if (isChatEventData(data)) this.#inbox.live({ action: 'chat', data });
          else this.#options.logger.warn('malformed chat event', { data });
        },
        push: (_frame: ServerFrame, data: unknown) => this.#onPush(data),
        delivered: (_frame: ServerFrame, data: unknown) => {
          const delivered = readDelivered(data);
          if (delivered) this.emit('delivered', delivered);
          else this.#options.logger.warn('malformed delivered event', { data });
        },
        online: (_frame: ServerFrame, data: unknown) => {
          const online = readOnline(data);
          if (online) this.emit('online', online);
          else this.#options.logger.warn('malformed online event', { data });
        },
        redirectToLogin: (_frame: ServerFrame, data: unknown) => {
          // No reconnect after this, even if the close that follows is lost or has another code.
          this.#redirected = true;
          this.#forgetSession();
          this.emit('redirectToLogin', readRedirect(data));
        },
        roomChat: (_frame: ServerFrame, data: unknown, action: string) => this.#onRoomEvent(action, data),
        roomJoin: (_frame: ServerFrame, data: unknown, action: string) => this.#onRoomEvent(action, data),
        roomLeave: (_frame: ServerFrame, data: unknown, action: string) => this.#onRoomEvent(action, data),
      },
      (_frame, _data, action) => this.#options.logger.debug('ignored unknown event', { action }),
    );
    this.#inbox = new InboxSync(
      {
        canSync: () => this.#state === 'ready' && this.#signedIn,
        sync: (request) => this.#syncRequest(request),
        deliver: (event, delivery) => {
          if (event.action === 'chat') this.emit('chat', event.data, delivery);
          else this.emit('push', event.data, delivery);
          // Emitted means processed: the listeners ran.
          this.#acks?.poke();
        },
        gap: (info) => this.emit('gap', info),
        synced: (info) => {
          this.emit('synced', info);
          this.#acks?.poke();
        },
        failed: (message) => this.emit('syncFailed', { message }),
        retryDelay: (attempt) => reconnectDelay(attempt, this.#options.backoff, this.#options.random),
        logger: this.#options.logger,
      },
      { backlog: options.backlog ?? 0, pageSize: options.syncPageSize ?? SYNC_LIMIT_DEFAULT, attempts: options.syncAttempts ?? 4 },
    );
    this.#rooms = new RoomSync(
      {
        canSync: () => this.#state === 'ready' && this.#signedIn,
        sync: (request) => this.#syncRequest(request),
        inboxCursor: () => (this.#loginInbox ? { after: this.#loginInbox.head, epoch: this.#loginInbox.epoch } : { after: 0 }),
        deliver: (event, delivery) => this.emit('roomEvent', event, delivery),
        gap: (info) => this.emit('roomGap', info),
        left: (room) => this.emit('roomLeft', { room }),
        synced: (info) => this.emit('roomsSynced', info),
        failed: (message) => this.emit('syncFailed', { message: `room messages: ${message}` }),
        retryDelay: (attempt) => reconnectDelay(attempt, this.#options.backoff, this.#options.random),
        logger: this.#options.logger,
      },
      { pageSize: options.syncPageSize ?? SYNC_LIMIT_DEFAULT, attempts: options.syncAttempts ?? 4 },
    );
    this.#acks = options.acks
      ? new Acks(
          {
            canSend: () => this.#state === 'ready' && this.#signedIn,
            position: () => this.#inbox.position,
            send: (seq) => this.#send('ack', { seq }, this.#options.requestTimeoutMs),
            logger: this.#options.logger,
          },
          { intervalMs: options.ackIntervalMs },
        )
      : null;
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
      await this.#open(url);
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
    const settle = this.#beforeRequest(action, data);
    let reply: ReplyData[A];
    try {
      reply = (await this.#send(action, data, timeoutMs)) as ReplyData[A];
    } catch (err) {
      settle(null);
      throw err;
    }
    settle(reply);
    this.#afterReply(action, data, reply);
    return reply;
  }

  /** Stops reconnecting, fails what is waiting, closes the socket (waiting up to 1 s for the close handshake). */
  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#inbox.stop();
    this.#acks?.stop();
    this.#rooms.stop();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = null;
    this.#forgetSession();
    const socket = this.#socket;
    this.#dropSocket(new ConnectionError('the client was closed'));
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.close(CloseCode.NORMAL, 'client closed');
    const timer = setTimeout(() => socket.terminate(), 1000);
    await closed;
    clearTimeout(timer);
  }

  #notReady(): ConnectionError {
    if (this.#state === 'closed') return new ConnectionError('the client was closed');
    if (this.#state === 'idle') return new ConnectionError('not connected to the server');
    return new ConnectionError('not connected to the server right now: reconnecting');
  }

  /** A request that changes which rooms this device is in: the room sync hears of it before it is sent, and of its answer (null: it failed). */
  #beforeRequest(action: ClientAction, data: unknown): (reply: unknown) => void {
    if (action === 'joinRoom') {
      const { room } = data as RequestData<'joinRoom'>;
      this.#rooms.joining(room);
      return (reply) => this.#rooms.joined(room, reply === null ? null : readJoinReply(reply));
    }
    if (action === 'leaveRoom') {
      const { room } = data as RequestData<'leaveRoom'>;
      this.#rooms.leaving(room);
      return (reply) => this.#rooms.leftRoom(room, reply !== null);
    }
    // The person asked to leave: nothing of the login stays, even when the answer is lost.
    if (action === 'logout') return () => this.#forgetSession();
    return () => undefined;
  }

  /** The reply's type follows from `action`; login, resume and logout change what a reconnect does. */
  #afterReply(action: ClientAction, data: unknown, reply: unknown): void {
    switch (action) {
      case 'login':
        this.#credentials = data as RequestData<'login'>;
        this.#loggedIn(reply as ReplyData['login']);
        return;
      case 'resume':
        this.#loggedIn(reply as ReplyData['resume']);
        return;
      case 'chat':
        // The device's own message: processed, so a sync that returns it does not show it again.
        this.#inbox.sent(reply as ReplyData['chat']);
        this.#acks?.poke();
        return;
      case 'roomChat':
        this.#rooms.sent((data as RequestData<'roomChat'>).room, reply as ReplyData['roomChat']);
        return;
      case 'createRoom': {
        const { room } = reply as Partial<ReplyData['createRoom']>;
        if (isRoomInfo(room)) this.#rooms.created(room);
        return;
      }
      case 'rooms': {
        const { rooms } = reply as Partial<ReplyData['rooms']>;
        if (Array.isArray(rooms)) this.#rooms.learnNames(rooms.filter(isRoomInfo));
        return;
      }
      default:
    }
  }

  #loggedIn(login: ReplyData['login']): void {
    this.#redirected = false;
    this.#signedIn = true;
    this.#resumeToken = readResumeToken(login);
    const inbox = readInboxPosition(login);
    this.#loginInbox = inbox;
    if (inbox) this.#inbox.loggedIn(login.username, inbox);
    else this.#options.logger.warn('the login reply names no inbox position: events are shown as they come');
    this.#rooms.loggedIn(login.username, readRoomPositions(login));
    this.#acks?.loggedIn();
  }

  /** A push with a seq takes its place in the inbox (in order, once); a broadcast is shown as it comes. */
  #onPush(data: unknown): void {
    const push = readPush(data);
    if (!push) this.#options.logger.warn('malformed push event', { data });
    else if (push.seq === undefined) this.emit('push', push, { source: 'live' });
    else this.#inbox.live({ action: 'push', data: { ...push, seq: push.seq } });
  }

  #onRoomEvent(action: string, data: unknown): void {
    const event = readRoomEvent(action, data);
    if (event) this.#rooms.live(event);
    else this.#options.logger.warn('malformed room event', { action, data });
  }

  async #syncRequest(request: RequestData<'sync'>): Promise<ReplyData['sync']> {
    const read = readSyncReply(await this.#send('sync', request, this.#options.requestTimeoutMs));
    if (!read) throw new ZkchatError(ErrorCode.INTERNAL, 'the server sent an unreadable sync reply');
    if (read.malformed > 0) this.#options.logger.warn('left out unreadable events of a sync reply', { count: read.malformed });
    return read.reply;
  }

  #send(action: string, data: unknown, timeoutMs: number): Promise<unknown> {
    const socket = this.#socket;
    if (!socket) return Promise.reject(this.#notReady());
    const id = `c${(++this.#nextId).toString(36)}`;
    let reply: Promise<unknown>;
    try {
      reply = this.#pending.add(id, action, timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    const sent = sendFrame(socket, requestFrame(id, action, data), { maxBufferedBytes: this.#options.maxBufferedBytes });
    if (sent !== 'sent') {
      this.#pending.reject(id, new ConnectionError(sent === 'slow' ? 'the server stopped reading: reconnecting' : 'not connected to the server'));
    }
    return reply;
  }

  /** Opens a socket and resolves once it is open; its later close is handled by #onClose. */
  #open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = new WebSocket(url, { handshakeTimeout: this.#options.connectTimeoutMs });
      } catch (err) {
        reject(new ConnectionError(`"${url}" is not a WebSocket address: ${errorText(err)}`));
        return;
      }
      this.#socket = socket;
      const onFailure = (err: Error) => reject(new ConnectionError(`could not reach ${url}: ${describeSocketError(err)}`));
      socket.once('error', onFailure);
      socket.once('open', () => {
        socket.off('error', onFailure);
        this.#heartbeat.start(socket);
        resolve();
      });
      // Errors after opening are followed by 'close', which is where they are handled.
      socket.on('error', (err) => this.#options.logger.debug('socket error', { err: err.message }));
      socket.on('message', (raw, isBinary) => this.#onMessage(raw, isBinary));
      socket.on('ping', () => this.#heartbeat.heard());
      socket.on('pong', () => this.#heartbeat.heard());
      socket.on('close', (code, reason) => this.#onClose(socket, code, reason.toString()));
    });
  }

  #onMessage(raw: RawData, isBinary: boolean): void {
    this.#heartbeat.heard();
    const frame = isBinary ? null : decodeServerFrame(frameText(raw));
    if (!frame) {
      this.#options.logger.warn('ignored unreadable frame from the server');
      return;
    }
    if (isReplyFrame(frame)) {
      if (!this.#pending.resolve(frame.replyTo, frame.data)) this.#options.logger.debug('late reply', { replyTo: frame.replyTo });
      return;
    }
    this.#inbound.dispatch(frame.action, frame, frame.data);
  }

  #onErrorFrame(frame: ServerFrame): void {
    const { code, message } = readErrorData(frame.data);
    const replyTo = 'replyTo' in frame ? frame.replyTo : null;
    // replyTo null: the server could not read a request id; nothing waiting can be blamed.
    if (typeof replyTo === 'string' && this.#pending.reject(replyTo, new ZkchatError(code, message))) return;
    this.emit('serverError', { code, message });
  }

  #onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.#socket) return;
    const silent = socket === this.#silentSocket;
    this.#silentSocket = null;
    this.#dropSocket(new ConnectionError('the connection closed before the server answered'));
    // While connecting, the attempt in progress sees the failure and decides what follows.
    if (this.#state !== 'ready') return;
    const willReconnect = shouldReconnect(code) && !this.#redirected;
    this.#state = willReconnect ? 'waiting' : 'idle';
    if (!willReconnect) this.#forgetSession();
    this.emit('disconnected', { code, reason: silent ? `no answer from the server for ${formatSeconds(this.#options.heartbeatTimeoutMs)}` : reason, willReconnect });
    if (willReconnect) this.#scheduleReconnect();
  }

  #dropSocket(reason: ConnectionError): void {
    this.#socket = null;
    this.#heartbeat.stop();
    this.#pending.rejectAll(reason);
  }

  /** `wait`: the server refused the login for now (429) and said how long to wait. */
  #scheduleReconnect(wait?: { ms: number; refused: string }): void {
    this.#state = 'waiting';
    const backoff = reconnectDelay(wait ? 0 : this.#attempt, this.#options.backoff, this.#options.random);
    // After a throttled login: the time the server named, plus a little jitter so clients spread out.
    const delayMs = wait ? wait.ms + backoff : backoff;
    this.#attempt++;
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(), delayMs);
    this.emit('reconnecting', wait ? { attempt: this.#attempt, delayMs, refused: wait.refused } : { attempt: this.#attempt, delayMs });
  }

  async #reconnect(): Promise<void> {
    this.#reconnectTimer = null;
    this.#state = 'connecting';
    try {
      const url = await this.#resolveUrl();
      if (this.#state !== 'connecting') return;
      await this.#open(url);
      const again = this.#signedIn ? await this.#logInAgain() : null;
      if (this.#state !== 'connecting') return;
      if (!this.#socket) throw new ConnectionError('the connection closed while logging in again');
      this.#state = 'ready';
      this.#attempt = 0;
      this.emit('reconnected', again ? { login: again.login, resumed: again.resumed } : { login: null });
      if (again && this.#state === 'ready') this.#loggedIn(again.login);
    } catch (err) {
      if (this.#state !== 'connecting') return;
      this.#options.logger.info('reconnect failed', { attempt: this.#attempt, err: errorText(err) });
      const socket = this.#socket;
      this.#dropSocket(new ConnectionError('the connection is being replaced'));
      socket?.terminate();
      if (isUnauthorized(err)) {
        this.#forgetSession();
        this.#state = 'idle';
        this.emit('sessionLost', { message: (err as Error).message });
        return;
      }
      const waitMs = retryAfterMs(err);
      this.#scheduleReconnect(waitMs === null ? undefined : { ms: waitMs, refused: (err as Error).message });
    }
  }

  /**
   * Logs the new connection in as the session was: with the resume token first (no password
   * needed); when the server refuses it (401: used up, expired, revoked), with the password of the
   * last login if the client has it, else it rejects with 401 (back to the login prompt).
   */
  async #logInAgain(): Promise<{ login: ReplyData['login']; resumed: boolean }> {
    const token = this.#resumeToken;
    if (token !== null) {
      try {
        const login = (await this.#send('resume', { token }, this.#options.requestTimeoutMs)) as ReplyData['resume'];
        // The old token is used up now: only the new one is worth keeping, whatever happens next.
        if (this.#state === 'connecting') this.#resumeToken = readResumeToken(login);
        this.#options.logger.info('logged in again', { with: 'resume', nodeId: login.nodeId });
        return { login, resumed: true };
      } catch (err) {
        // Anything else (no answer, 503, …): the token may still be good, the next attempt tries it again.
        if (!isUnauthorized(err)) throw err;
        if (this.#resumeToken === token) this.#resumeToken = null;
        this.#options.logger.info('the resume token was refused', { err: errorText(err), password: this.#credentials !== null });
        if (this.#credentials === null) throw new ZkchatError(ErrorCode.UNAUTHORIZED, SESSION_EXPIRED);
      }
    }
    if (this.#credentials === null) throw new ZkchatError(ErrorCode.UNAUTHORIZED, SESSION_EXPIRED);
    const login = (await this.#send('login', this.#credentials, this.#options.requestTimeoutMs)) as ReplyData['login'];
    if (this.#state === 'connecting') this.#resumeToken = readResumeToken(login);
    this.#options.logger.info('logged in again', { with: 'password', nodeId: login.nodeId });
    return { login, resumed: false };
  }

  /** Forgets the login: no password, no token, nothing to log in with again. */
  #forgetSession(): void {
    this.#credentials = null;
    this.#resumeToken = null;
    this.#signedIn = false;
  }
}

function formatSeconds(ms: number): string {
  return `${+(ms / 1000).toFixed(1)} s`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
