import type { ExecutionContext } from 'ava';
import type { WebSocket } from 'ws';
import { SYNC_LIMIT_DEFAULT, userKey, type EventData, type InboxEvent } from '../../protocol/actions.js';
import { CloseCode, ErrorCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import type { ValidRequest } from '../../protocol/validate.js';
import { startFakeServer } from '../helpers/fake-server.js';

// A chat node for the push tests of the terminal client: several users, one inbox each (chats and
// pushes, gapless seqs), acks that turn into `delivered` for the senders (stored in their inboxes), subscriptions, online
// users, broadcasts and kicks, as the protocol describes them. Checked by the real request parser.

export interface FakePushNodeOptions {
  users: Record<string, string>;
  /** false: `ack` is answered 400, as a server without it does. */
  acks?: boolean;
}

interface Connection {
  socket: WebSocket;
  user: string | null;
  device: string | null;
}

export interface FakePushNode {
  url: string;
  requests: { user: string | null; request: ValidRequest }[];
  /** Acks received, by user key: the seqs in order. */
  acks(user: string): number[];
  /** Stores a push in the user's inbox (unless the type is off) and sends it live. */
  pushUser(to: string, type: string, data?: unknown): EventData['push'] | null;
  /** A push with no seq to every logged-in connection whose user has the type on. */
  broadcast(type: string, data?: unknown): void;
  /** Sends a chat from `from` to `to` as if from another device of `from` (stored in both inboxes). */
  chat(from: string, to: string, message: string): void;
  online(event: EventData['online']): void;
  /** redirectToLogin, then a close with `code` (default 4500), to every connection of the user. */
  kick(user: string, reason: string, code?: number): void;
  /** Sends `delivered` to every connection of `to` (as if a device of `from` acked message `id`). */
  delivered(to: string, event: EventData['delivered']): void;
  connectionsOf(user: string): number;
  /** The user's inbox as stored. */
  inbox(user: string): InboxEvent[];
}

export async function startFakePushNode(t: ExecutionContext, options: FakePushNodeOptions): Promise<FakePushNode> {
  const users = new Map(Object.entries(options.users).map(([name, password]) => [userKey(name), { name, password }]));
  const inboxes = new Map<string, InboxEvent[]>();
  const off = new Map<string, Set<string>>();
  const acked = new Map<string, number[]>();
  /** Message ids whose sender was told already. */
  const told = new Set<string>();
  const requests: FakePushNode['requests'] = [];
  let nextId = 0;

  const inboxOf = (user: string) => inboxes.get(userKey(user)) ?? inboxes.set(userKey(user), []).get(userKey(user))!;
  const offOf = (user: string) => off.get(userKey(user)) ?? off.set(userKey(user), new Set()).get(userKey(user))!;
  const server = await startFakeServer<Connection>(t, {
    accept: (socket) => ({ socket, user: null, device: null }),
    answer: (conn, request) => {
      requests.push({ user: conn.user, request });
      return answer(conn, request);
    },
  });
  const { connections, send } = server;
  const devicesOf = (user: string) => [...connections].filter((c) => c.user !== null && userKey(c.user) === userKey(user));
  const store = (user: string, event: InboxEvent['action'], data: object): InboxEvent => {
    const inbox = inboxOf(user);
    const entry = { action: event, data: { ...data, seq: inbox.length + 1 } } as InboxEvent;
    inbox.push(entry);
    return entry;
  };

  type ChatInboxEvent = Extract<InboxEvent, { action: 'chat' }>;
  const storeChat = (from: string, to: string, message: string, except: Connection | null) => {
    const base = { id: `m${++nextId}`, from: users.get(userKey(from))!.name, to: users.get(userKey(to))!.name, message, format: 'text' as const, ts: Date.now() };
    const own = store(from, 'chat', base) as ChatInboxEvent;
    const theirs = userKey(from) === userKey(to) ? own : store(to, 'chat', base);
    for (const conn of devicesOf(to)) if (conn !== except) send(conn, eventFrame('chat', theirs.data));
    if (theirs !== own) for (const conn of devicesOf(from)) if (conn !== except) send(conn, eventFrame('chat', own.data));
    return { own, online: devicesOf(to).length > 0 };
  };

  const answer = (conn: Connection, request: ValidRequest): object => {
    const me = conn.user;
    if (me === null && !['register', 'login', 'ping'].includes(request.action)) return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'not logged in');
    switch (request.action) {
      case 'login': {
        const user = users.get(userKey(request.data.username));
        if (!user || user.password !== request.data.password) return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'wrong username or password');
        conn.user = user.name;
        conn.device = request.data.device ?? null;
        return replyFrame(request.id, 'login', { username: user.name, nodeId: 'node-push', loginAt: Date.now(), inbox: { epoch: 'e1', head: inboxOf(user.name).length }, rooms: {} });
      }
      case 'logout':
        conn.user = null;
        return replyFrame(request.id, 'logout', {});
      case 'ping':
        return replyFrame(request.id, 'ping', { ts: Date.now() });
      case 'chat': {
        if (!users.has(userKey(request.data.to))) return errorFrame(request.id, ErrorCode.NOT_FOUND, `no user named "${request.data.to}"`);
        const { own, online } = storeChat(me!, request.data.to, request.data.message, conn);
        return replyFrame(request.id, 'chat', { id: own.data.id, seq: own.data.seq, ts: own.data.ts, online });
      }
      case 'sync': {
        const { after, limit } = request.data;
        const inbox = inboxOf(me!);
        return replyFrame(request.id, 'sync', { events: inbox.filter((e) => e.data.seq > after).slice(0, limit ?? SYNC_LIMIT_DEFAULT), complete: true, head: inbox.length, epoch: 'e1' });
      }
      case 'ack': {
        if (options.acks === false) return errorFrame(request.id, ErrorCode.BAD_REQUEST, 'unknown action "ack"');
        const { seq } = request.data;
        const list = acked.get(userKey(me!)) ?? acked.set(userKey(me!), []).get(userKey(me!))!;
        list.push(seq);
        for (const event of inboxOf(me!).slice(0, seq)) {
          if (event.action !== 'chat' || userKey(event.data.from) === userKey(me!) || told.has(event.data.id)) continue;
          told.add(event.data.id);
          // Stored in the sender's inbox, then sent live, as the real node does.
          const receipt = store(event.data.from, 'delivered', { id: event.data.id, to: users.get(userKey(me!))!.name });
          for (const sender of devicesOf(event.data.from)) send(sender, eventFrame('delivered', receipt.data));
        }
        return replyFrame(request.id, 'ack', { seq });
      }
      case 'subscriptions':
        return replyFrame(request.id, 'subscriptions', { off: [...offOf(me!)].sort() });
      case 'setSubscriptions': {
        const set = offOf(me!);
        for (const [type, on] of Object.entries(request.data.types)) {
          if (on) set.delete(type);
          else set.add(type);
        }
        return replyFrame(request.id, 'setSubscriptions', { off: [...set].sort() });
      }
      case 'onlineUsers': {
        const online = [...new Set([...connections].filter((c) => c.user !== null).map((c) => userKey(c.user!)))].sort();
        const from = request.data.cursor === undefined ? 0 : online.findIndex((name) => name > request.data.cursor!);
        const rest = from === -1 ? [] : online.slice(from);
        const limit = request.data.limit ?? 100;
        const page = rest.slice(0, limit);
        return replyFrame(request.id, 'onlineUsers', { count: online.length, users: page, next: rest.length > limit ? page.at(-1)! : null });
      }
      default:
        return errorFrame(request.id, ErrorCode.BAD_REQUEST, `${request.action} is not in this fake node`);
    }
  };

  return {
    url: server.url,
    requests,
    acks: (user) => acked.get(userKey(user)) ?? [],
    pushUser(to, type, data) {
      if (offOf(to).has(type)) return null;
      const entry = store(to, 'push', { id: `p${++nextId}`, type, data, ts: Date.now() });
      for (const conn of devicesOf(to)) send(conn, eventFrame('push', entry.data));
      return entry.data as EventData['push'];
    },
    broadcast(type, data) {
      const push = { id: `b${++nextId}`, type, data, ts: Date.now() };
      for (const conn of connections) if (conn.user !== null && !offOf(conn.user).has(type)) send(conn, eventFrame('push', push));
    },
    chat: (from, to, message) => void storeChat(from, to, message, null),
    online(event) {
      for (const conn of connections) if (conn.user !== null) send(conn, eventFrame('online', event));
    },
    kick(user, reason, code = CloseCode.KICKED) {
      for (const conn of devicesOf(user)) {
        send(conn, eventFrame('redirectToLogin', { reason }));
        conn.socket.close(code, 'kicked');
      }
    },
    delivered(to, event) {
      for (const conn of devicesOf(to)) send(conn, eventFrame('delivered', event));
    },
    connectionsOf: (user) => devicesOf(user).length,
    inbox: (user) => [...inboxOf(user)],
  };
}
