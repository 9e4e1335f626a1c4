/**
 * The reference of the benchmark: a minimal raw `ws` server in its own process that speaks the part
 * of protocol v1 the generator uses, with no storage, no password hashing and no cluster. What it
 * reaches on a core is what the transport (ws + JSON) allows; zkchat is measured against it.
 * RAW_RELAY_MODE picks the traffic it serves: 'pairs' (private `chat`, the default), 'room'
 * (`createRoom`, `joinRoom`, `roomChat`: one event frame to every other member connection) or 'push'
 * (the push API's `POST /push/broadcast` and `POST /push/user` over HTTP on the same port, without
 * token, storage or cluster: a `push` event to every logged-in socket, or to the named user's).
 *
 * Prints `{"msg":"raw relay listening","clientPort":N}` on stdout (with `"adminPort":N` in push
 * mode); stops on SIGTERM / SIGINT and when its stdin (a pipe from bench/main.js) ends.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { roomKey, userKey, type ChatEventData, type EventData, type InboxPosition, type PushMessage, type ReplyData, type RoomInfo } from '../protocol/actions.js';

interface Request {
  id: string;
  action: string;
  data: Record<string, unknown>;
}

interface User {
  name: string;
  socket: WebSocket | null;
  /** Per-user inbox seq, as zkchat numbers each user's events (no log behind it here). */
  seq: number;
}

/** The per-connection state: who logged in on it, and the rooms it joined. */
interface Session {
  socket: WebSocket;
  /** The TCP socket under `socket` (room mode corks it, see corkForTurn). */
  wire: Socket;
  corked: boolean;
  user: User | null;
  rooms: Set<Room>;
}

/** A room of the room mode: its member connections and the seq of its last message. */
interface Room {
  name: string;
  members: Set<Session>;
  seq: number;
}

const users = new Map<string, User>();
const rooms = new Map<string, Room>();
let nextMessageId = 0;

function reply(s: Session, id: string, action: string, data: unknown): void {
  s.socket.send(`{"v":1,"replyTo":${JSON.stringify(id)},"action":"${action}","data":${JSON.stringify(data)}}`);
}

function error(s: Session, id: string | null, code: number, message: string): void {
  s.socket.send(JSON.stringify({ v: 1, replyTo: id, action: 'error', data: { code, message } }));
}

function userNamed(name: string): User {
  const key = name.toLowerCase();
  let user = users.get(key);
  if (!user) users.set(key, (user = { name, socket: null, seq: 0 }));
  return user;
}

type Handler = (s: Session, req: Request) => void;

/** Every mode: accounts (no password check) and ping. */
const accountHandlers: Record<string, Handler> = {
  register: (s, req) => reply(s, req.id, 'register', { username: String(req.data.username) } satisfies ReplyData['register']),
  login: (s, req) => {
    const user = userNamed(String(req.data.username));
    user.socket = s.socket;
    s.user = user;
    const inbox: InboxPosition = { epoch: 'raw', head: 0 };
    reply(s, req.id, 'login', { username: user.name, nodeId: 'raw', loginAt: Date.now(), inbox, rooms: {}, resumeToken: '', resumeExpiresAt: 0 } satisfies ReplyData['login']);
  },
  ping: (s, req) => reply(s, req.id, 'ping', { ts: Date.now() } satisfies ReplyData['ping']),
};

/** Pairs mode: private messages, one recipient each. */
const relayHandlers: Record<string, Handler> = {
  ...accountHandlers,
  chat: (s, req) => {
    const from = s.user;
    if (!from) return error(s, req.id, 401, 'log in first');
    const { to, message } = req.data;
    if (typeof to !== 'string' || typeof message !== 'string') return error(s, req.id, 400, 'chat needs to and message');
    const recipient = userNamed(to);
    const id = `raw-${++nextMessageId}`;
    const ts = Date.now();
    const online = recipient.socket !== null;
    if (recipient.socket) {
      const event: ChatEventData = { seq: ++recipient.seq, id, from: from.name, to: recipient.name, message, format: 'text', ts };
      recipient.socket.send(`{"v":1,"action":"chat","data":${JSON.stringify(event)}}`);
    }
    reply(s, req.id, 'chat', { id, seq: ++from.seq, ts, online } satisfies ReplyData['chat']);
  },
};

function roomInfo(room: Room, s: Session): RoomInfo {
  return { name: room.name, title: room.name, world: false, members: room.members.size, online: room.members.size, joined: room.members.has(s) };
}

/** The room a request names, or null once the error went out. */
function roomOf(s: Session, req: Request): Room | null {
  const name = req.data.room;
  const room = typeof name === 'string' ? rooms.get(roomKey(name)) : undefined;
  if (!s.user) error(s, req.id, 401, 'log in first');
  else if (!room) error(s, req.id, 404, `no room named "${String(name)}"`);
  else return room;
  return null;
}

/** Sessions corked until the end of this event-loop turn. */
let corked: Session[] = [];

/**
 * Frames to one connection within a turn (the room messages read in one poll of the sockets) go out
 * in one write: per member a system call per turn, not per message. zkchat's nodes do the same.
 */
function corkForTurn(s: Session): void {
  if (s.corked) return;
  s.corked = true;
  s.wire.cork();
  if (corked.push(s) === 1) setImmediate(uncorkAll);
}

function uncorkAll(): void {
  const sessions = corked;
  corked = [];
  for (const s of sessions) {
    s.corked = false;
    s.wire.uncork();
  }
}

function enter(room: Room, s: Session): void {
  room.members.add(s);
  s.rooms.add(room);
}

/** Room mode: members are connections; a room message goes to every other member connection. */
const roomHandlers: Record<string, Handler> = {
  ...accountHandlers,
  createRoom: (s, req) => {
    if (!s.user) return error(s, req.id, 401, 'log in first');
    const name = String(req.data.name);
    if (rooms.has(roomKey(name))) return error(s, req.id, 409, `room "${name}" exists already: join it`);
    const room: Room = { name, members: new Set(), seq: 0 };
    rooms.set(roomKey(name), room);
    enter(room, s);
    reply(s, req.id, 'createRoom', { room: roomInfo(room, s) } satisfies ReplyData['createRoom']);
  },
  joinRoom: (s, req) => {
    const room = roomOf(s, req);
    if (!room) return;
    enter(room, s);
    reply(s, req.id, 'joinRoom', { room: roomInfo(room, s), position: { epoch: 'raw', head: room.seq }, recent: [] } satisfies ReplyData['joinRoom']);
  },
  roomChat: (s, req) => {
    const room = roomOf(s, req);
    if (!room) return;
    const { message } = req.data;
    if (typeof message !== 'string') return error(s, req.id, 400, 'roomChat needs message');
    if (!room.members.has(s)) return error(s, req.id, 403, `not a member of room "${room.name}"`);
    const event: EventData['roomChat'] = { id: `raw-${++nextMessageId}`, room: room.name, from: s.user!.name, message, format: 'text', ts: Date.now(), seq: ++room.seq };
    // Encoded once into bytes for every member: the least a fan-out can cost over ws.
    const frame = Buffer.from(`{"v":1,"action":"roomChat","data":${JSON.stringify(event)}}`);
    for (const member of room.members) {
      if (member === s) continue;
      corkForTurn(member);
      member.socket.send(frame);
    }
    corkForTurn(s);
    reply(s, req.id, 'roomChat', { id: event.id, seq: event.seq, ts: event.ts } satisfies ReplyData['roomChat']);
  },
};

/** A push API request: its body, parsed; answers status and body. */
type PushRoute = (body: Record<string, unknown>) => { status: number; body: unknown };

function pushFrame(push: PushMessage & { seq?: number }): string {
  return `{"v":1,"action":"push","data":${JSON.stringify(push)}}`;
}

/** Push mode: what zkchat's push API does for a back office, at the least cost ws + JSON allow. */
const pushRoutes: Record<string, PushRoute> = {
  '/push/broadcast': (body) => {
    const push: PushMessage = { id: randomUUID(), type: String(body.type), data: body.data ?? null, ts: Date.now() };
    // Encoded once into bytes for every logged-in socket, as in room mode.
    const frame = Buffer.from(pushFrame(push));
    for (const user of users.values()) user.socket?.send(frame);
    return { status: 200, body: { id: push.id, nodes: 1 } };
  },
  '/push/user': (body) => {
    const user = users.get(userKey(String(body.to)));
    if (!user) return { status: 404, body: { error: { code: 404, message: `no user named "${String(body.to)}"` } } };
    const push = { id: randomUUID(), type: String(body.type), data: body.data ?? null, ts: Date.now(), seq: ++user.seq };
    user.socket?.send(pushFrame(push));
    return { status: 200, body: { id: push.id, seq: push.seq, online: user.socket !== null } };
  },
};

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function onHttp(req: IncomingMessage, res: ServerResponse): void {
  const route = mode === 'push' && req.method === 'POST' ? pushRoutes[req.url ?? ''] : undefined;
  if (!route) {
    req.resume();
    return answer(res, 404, { error: { code: 404, message: `no such endpoint: ${String(req.method)} ${String(req.url)}` } });
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(res, 400, { error: { code: 400, message: 'the body is not valid JSON' } });
    }
    if (typeof body !== 'object' || body === null) return answer(res, 400, { error: { code: 400, message: 'the body must be an object' } });
    const { status, body: reply } = route(body as Record<string, unknown>);
    answer(res, status, reply);
  });
}

const MODES: Record<string, Record<string, Handler>> = { pairs: relayHandlers, room: roomHandlers, push: accountHandlers };
const mode = process.env.RAW_RELAY_MODE ?? 'pairs';
const handlers = MODES[mode];
if (!handlers) {
  process.stderr.write(`raw relay: RAW_RELAY_MODE must be one of ${Object.keys(MODES).join(', ')}, got "${mode}"\n`);
  process.exit(2);
}

function onFrame(s: Session, raw: RawData): void {
  let req: Request;
  try {
    req = JSON.parse(raw.toString()) as Request;
  } catch {
    return error(s, null, 400, 'not JSON');
  }
  const handler = Object.hasOwn(handlers, req.action) ? handlers[req.action] : undefined;
  if (!handler || typeof req.id !== 'string' || typeof req.data !== 'object' || req.data === null) {
    return error(s, typeof req.id === 'string' ? req.id : null, 400, `unsupported request ${String(req.action)}`);
  }
  handler(s, req);
}

// One port for both: WebSocket upgrades, and the push API's HTTP requests in push mode.
const http = createServer(onHttp);
const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: true, maxPayload: 65536 });
wss.on('connection', (socket, request) => {
  const session: Session = { socket, wire: request.socket, corked: false, user: null, rooms: new Set() };
  socket.on('message', (raw) => onFrame(session, raw));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (session.user && session.user.socket === socket) session.user.socket = null;
    for (const room of session.rooms) room.members.delete(session);
  });
});
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'raw relay listening', clientPort: port, ...(mode === 'push' ? { adminPort: port } : {}) })}\n`);
});
http.on('error', (err) => {
  process.stderr.write(`raw relay: ${err.message}\n`);
  process.exit(1);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const client of wss.clients) client.terminate();
  wss.close();
  http.close(() => process.exit(0));
  http.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// bench/main.js holds the other end of stdin: when it ends, main is gone and so is our purpose.
process.stdin.on('end', stop).on('error', stop).resume();
