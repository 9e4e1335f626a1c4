import type { ExecutionContext } from 'ava';
import type { WebSocket } from 'ws';
import { SYNC_LIMIT_DEFAULT, userKey, type ChatEventData, type LoginReply, type RoomEvent } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import type { ValidRequest } from '../../protocol/validate.js';
import { startFakeServer } from '../helpers/fake-server.js';

// A chat node for the resume tests of the terminal client: logins that hand out resume tokens,
// `resume` that takes each token once and answers like a login with the next one, revocation
// (logout, kick), a login throttle that answers 429 "try again in N s" the way the server does,
// one inbox per user and one room (`lobby`), both synced from a cursor. Checked by the real parser.

export interface FakeResumeNodeOptions {
  users: Record<string, string>;
  nodeId?: string;
}

interface Connection {
  id: number;
  socket: WebSocket;
  user: string | null;
  token: string | null;
}

interface TokenState {
  user: string;
  device: string;
  state: 'good' | 'used' | 'revoked';
}

export interface FakeResumeNode {
  url: string;
  /** Every request, with the connection it came on (numbered from 1 in connection order). */
  requests: { conn: number; request: ValidRequest }[];
  /** Each token handed out, in order, and what became of it. */
  tokens: Map<string, TokenState>;
  /** Revokes every token of the user (as a kick does), without closing anything. */
  revokeAll(user: string): void;
  /**
   * From now on password logins are refused with 429 until `seconds` have passed since the first
   * refused one, as the server's throttle window does (an early retry is refused again).
   */
  throttleLogins(seconds: number): void;
  /** Stores a message from `from` to `to` (pushed live to `to`'s connections). */
  chat(from: string, to: string, message: string): ChatEventData;
  /** Stores a message in the lobby (pushed live to every logged-in connection). */
  roomChat(from: string, message: string): void;
  /** Cuts every connection (as a node that dies does). */
  dropAll(): void;
  loggedInConnections(): number;
  /** Resolves once connection `conn` closed (every request it carried is in `requests` then). */
  closed(conn: number): Promise<void>;
}

export async function startFakeResumeNode(t: ExecutionContext, options: FakeResumeNodeOptions): Promise<FakeResumeNode> {
  const nodeId = options.nodeId ?? 'node-resume';
  const users = new Map(Object.entries(options.users).map(([name, password]) => [userKey(name), { name, password }]));
  const inboxes = new Map<string, ChatEventData[]>();
  const lobby: RoomEvent[] = [];
  const tokens = new Map<string, TokenState>();
  const requests: FakeResumeNode['requests'] = [];
  const closedIds = new Set<number>();
  const closeWaiters: { conn: number; resolve: () => void }[] = [];
  let nextConn = 0;
  let nextId = 0;
  let nextToken = 0;
  let throttle: { seconds: number; until: number | null } | null = null;

  const inboxOf = (user: string) => inboxes.get(userKey(user)) ?? inboxes.set(userKey(user), []).get(userKey(user))!;
  const server = await startFakeServer<Connection>(t, {
    accept: (socket) => ({ id: ++nextConn, socket, user: null, token: null }),
    answer: (conn, request) => {
      requests.push({ conn: conn.id, request });
      return answer(conn, request);
    },
    closed: (conn) => {
      closedIds.add(conn.id);
      for (const waiter of closeWaiters.filter((w) => w.conn === conn.id)) waiter.resolve();
    },
  });
  const { connections, send } = server;

  const startSession = (conn: Connection, user: string, device: string): LoginReply => {
    conn.user = user;
    const token = `tok-${++nextToken}-${user}`;
    tokens.set(token, { user, device, state: 'good' });
    conn.token = token;
    return {
      username: user,
      nodeId,
      loginAt: Date.now(),
      inbox: { epoch: 'e1', head: inboxOf(user).length },
      rooms: { lobby: { epoch: 'r1', head: lobby.length } },
      resumeToken: token,
      resumeExpiresAt: Date.now() + 60_000,
    };
  };

  const answer = (conn: Connection, request: ValidRequest): object => {
    const me = conn.user;
    if (me === null && !['register', 'login', 'resume', 'ping'].includes(request.action)) return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'not logged in');
    switch (request.action) {
      case 'login': {
        if (throttle) {
          const now = Date.now();
          throttle.until ??= now + throttle.seconds * 1000;
          if (now < throttle.until) return errorFrame(request.id, ErrorCode.RATE_LIMITED, `too many login attempts: try again in ${Math.max(1, Math.ceil((throttle.until - now) / 1000))} s`);
          throttle = null;
        }
        const user = users.get(userKey(request.data.username));
        if (!user || user.password !== request.data.password) return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'wrong username or password');
        return replyFrame(request.id, 'login', startSession(conn, user.name, request.data.device ?? ''));
      }
      case 'resume': {
        const claims = tokens.get(request.data.token);
        if (!claims || claims.state !== 'good') {
          return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'this resume token is not valid (expired, revoked or malformed): log in with the password');
        }
        claims.state = 'used';
        return replyFrame(request.id, 'resume', startSession(conn, claims.user, claims.device));
      }
      case 'logout': {
        const claims = conn.token === null ? undefined : tokens.get(conn.token);
        if (claims?.state === 'good') claims.state = 'revoked';
        conn.user = null;
        conn.token = null;
        return replyFrame(request.id, 'logout', {});
      }
      case 'ping':
        return replyFrame(request.id, 'ping', { ts: Date.now() });
      case 'sync': {
        const { after, limit, rooms } = request.data;
        const inbox = inboxOf(me!);
        const reply = {
          events: inbox.filter((e) => e.seq > after).slice(0, limit ?? SYNC_LIMIT_DEFAULT).map((data) => ({ action: 'chat' as const, data })),
          complete: true,
          head: inbox.length,
          epoch: 'e1',
        };
        if (rooms === undefined) return replyFrame(request.id, 'sync', reply);
        const read: Record<string, unknown> = {};
        for (const [room, cursor] of Object.entries(rooms)) {
          if (room !== 'lobby') continue;
          read[room] = { events: lobby.filter((e) => e.data.seq > cursor).slice(0, limit ?? SYNC_LIMIT_DEFAULT), complete: true, head: lobby.length, epoch: 'r1' };
        }
        return replyFrame(request.id, 'sync', { ...reply, rooms: read });
      }
      case 'ack':
        return replyFrame(request.id, 'ack', { seq: request.data.seq });
      case 'userInfo':
        return replyFrame(request.id, 'userInfo', { username: request.data.username, online: true, nodeId, loginAt: 1000, devices: 1 });
      default:
        return errorFrame(request.id, ErrorCode.BAD_REQUEST, `${request.action} is not in this fake node`);
    }
  };

  return {
    url: server.url,
    requests,
    tokens,
    revokeAll(user) {
      for (const claims of tokens.values()) if (userKey(claims.user) === userKey(user) && claims.state === 'good') claims.state = 'revoked';
    },
    throttleLogins(seconds) {
      throttle = { seconds, until: null };
    },
    chat(from, to, message) {
      const inbox = inboxOf(to);
      const event: ChatEventData = { seq: inbox.length + 1, id: `m${++nextId}`, from, to, message, format: 'text', ts: Date.now() };
      inbox.push(event);
      for (const conn of connections) if (conn.user !== null && userKey(conn.user) === userKey(to)) send(conn, eventFrame('chat', event));
      return event;
    },
    roomChat(from, message) {
      const event: RoomEvent = { action: 'roomChat', data: { seq: lobby.length + 1, id: `r${++nextId}`, room: 'lobby', from, message, format: 'text', ts: Date.now() } };
      lobby.push(event);
      for (const conn of connections) if (conn.user !== null) send(conn, eventFrame('roomChat', event.data));
    },
    dropAll() {
      for (const conn of connections) conn.socket.terminate();
    },
    loggedInConnections: () => [...connections].filter((c) => c.user !== null).length,
    closed: (conn) => (closedIds.has(conn) ? Promise.resolve() : new Promise((resolve) => closeWaiters.push({ conn, resolve }))),
  };
}
