import type { ExecutionContext } from 'ava';
import type { WebSocket } from 'ws';
import { SYNC_LIMIT_DEFAULT, userKey, type ChatEventData } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import { errorFrame, eventFrame, replyFrame } from '../../protocol/frames.js';
import type { ValidRequest } from '../../protocol/validate.js';
import { startFakeServer, type FakeConnection } from './fake-server.js';

export interface FakeChatNodeOptions {
  nodeId?: string;
  /** Accounts: name → password. */
  users?: Record<string, string>;
  /** Users with no device connected: chat replies say `online: false`. */
  offline?: string[];
  /** Whether the server answers WebSocket pings (default true). */
  autoPong?: boolean;
}

export interface FakeChatNode {
  url: string;
  /** Every request received, checked by the real protocol parser. */
  requests: ValidRequest[];
  /** The open sockets, as they are now. */
  readonly sockets: Set<WebSocket>;
  /** Pings received, per socket (closed ones included). */
  pings: Map<WebSocket, number>;
  /** Holds back the answers to chat requests until the returned function is called. */
  holdChats(): () => void;
  /** Stores a message to the logged-in user and pushes it live, as a chat node does. */
  push(from: string, message: string): ChatEventData;
  close(): Promise<void>;
}

/**
 * A chat node on a free loopback port for one logged-in user, answering the actions the terminal
 * client uses the way the protocol says: one inbox with gapless seqs (own messages included),
 * 404 for unknown users, 401 for a wrong password. Closed at teardown.
 */
export async function startFakeChatNode(t: ExecutionContext, options: FakeChatNodeOptions = {}): Promise<FakeChatNode> {
  const nodeId = options.nodeId ?? 'node-fake';
  const users = new Map(Object.entries(options.users ?? {}).map(([name, password]) => [userKey(name), { name, password }]));
  const offline = new Set((options.offline ?? []).map(userKey));
  const requests: ValidRequest[] = [];
  const pings = new Map<WebSocket, number>();
  const inbox: ChatEventData[] = [];
  let me = '';
  let nextId = 0;
  let chatGate: Promise<void> | null = null;

  const store = (from: string, to: string, message: string): ChatEventData => {
    const event: ChatEventData = { seq: inbox.length + 1, id: `m${++nextId}`, from, to, message, format: 'text', ts: Date.now() };
    inbox.push(event);
    return event;
  };

  const answer = (request: ValidRequest): object => {
    switch (request.action) {
      case 'register': {
        const { username, password } = request.data;
        if (users.has(userKey(username))) return errorFrame(request.id, ErrorCode.CONFLICT, 'username taken');
        users.set(userKey(username), { name: username, password });
        return replyFrame(request.id, 'register', { username });
      }
      case 'login': {
        const user = users.get(userKey(request.data.username));
        if (!user || user.password !== request.data.password) return errorFrame(request.id, ErrorCode.UNAUTHORIZED, 'wrong username or password');
        me = user.name;
        return replyFrame(request.id, 'login', { username: user.name, nodeId, loginAt: Date.now(), inbox: { epoch: 'e1', head: inbox.length } });
      }
      case 'chat': {
        const to = users.get(userKey(request.data.to));
        if (!to) return errorFrame(request.id, ErrorCode.NOT_FOUND, `no user named "${request.data.to}"`);
        const own = store(me, to.name, request.data.message);
        return replyFrame(request.id, 'chat', { id: own.id, seq: own.seq, ts: own.ts, online: !offline.has(userKey(to.name)) });
      }
      case 'sync': {
        const { after, limit } = request.data;
        const events = inbox.filter((e) => e.seq > after).slice(0, limit ?? SYNC_LIMIT_DEFAULT);
        return replyFrame(request.id, 'sync', { events: events.map((data) => ({ action: 'chat', data })), complete: true, head: inbox.length, epoch: 'e1' });
      }
      case 'userInfo': {
        const user = users.get(userKey(request.data.username));
        if (!user) return errorFrame(request.id, ErrorCode.NOT_FOUND, `no user named "${request.data.username}"`);
        const online = !offline.has(userKey(user.name));
        return replyFrame(request.id, 'userInfo', { username: user.name, online, nodeId: online ? nodeId : null, loginAt: online ? 1000 : null, devices: online ? 1 : 0 });
      }
      case 'logout':
        return replyFrame(request.id, 'logout', {});
      case 'ping':
        return replyFrame(request.id, 'ping', { ts: Date.now() });
      default:
        return errorFrame(request.id, ErrorCode.BAD_REQUEST, `${request.action} is not in this fake node`);
    }
  };

  const server = await startFakeServer<FakeConnection>(t, {
    accept: (socket) => {
      pings.set(socket, 0);
      socket.on('ping', () => pings.set(socket, (pings.get(socket) ?? 0) + 1));
      return { socket };
    },
    answer: (conn, request) => {
      requests.push(request);
      // A held chat is stored, not only answered, once released: as if the node got to it only then.
      const gate = request.action === 'chat' ? chatGate : null;
      if (!gate) return answer(request);
      void gate.then(() => server.send(conn, answer(request)));
    },
    autoPong: options.autoPong,
  });

  return {
    url: server.url,
    requests,
    get sockets() {
      return server.sockets;
    },
    pings,
    holdChats() {
      let release!: () => void;
      chatGate = new Promise((resolve) => (release = resolve));
      return () => {
        chatGate = null;
        release();
      };
    },
    push(from, message) {
      const event = store(from, me, message);
      for (const conn of server.connections) server.send(conn, eventFrame('chat', event));
      return event;
    },
    close: server.close,
  };
}
