/**
 * The reference of the benchmark: a minimal raw `ws` server in its own process that speaks the part
 * of protocol v1 the generator uses, with no storage, no password hashing and no cluster. What it
 * reaches on a core is what the transport (ws + JSON) allows; zkchat is measured against it.
 *
 * Prints `{"msg":"raw relay listening","clientPort":N}` on stdout; stops on SIGTERM / SIGINT and
 * when its stdin (a pipe from bench/main.js) ends.
 */
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { ChatEventData, InboxPosition, ReplyData } from '../protocol/actions.js';

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

/** The per-connection state: who logged in on it. */
interface Session {
  socket: WebSocket;
  user: User | null;
}

const users = new Map<string, User>();
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

/** Relay mode: private messages, one recipient each. */
const relayHandlers: Record<string, Handler> = {
  register: (s, req) => reply(s, req.id, 'register', { username: String(req.data.username) } satisfies ReplyData['register']),
  login: (s, req) => {
    const user = userNamed(String(req.data.username));
    user.socket = s.socket;
    s.user = user;
    const inbox: InboxPosition = { epoch: 'raw', head: 0 };
    reply(s, req.id, 'login', { username: user.name, nodeId: 'raw', loginAt: Date.now(), inbox, rooms: {} } satisfies ReplyData['login']);
  },
  ping: (s, req) => reply(s, req.id, 'ping', { ts: Date.now() } satisfies ReplyData['ping']),
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
// LATER (room mode, fan-out): a `roomHandlers` table (e.g. joinRoom, roomChat sending one event to
// every member's socket) selected by a RAW_RELAY_MODE variable, matching the scenarios' Traffic.
const handlers = relayHandlers;

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

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: true, maxPayload: 65536 });
wss.on('connection', (socket) => {
  const session: Session = { socket, user: null };
  socket.on('message', (raw) => onFrame(session, raw));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (session.user && session.user.socket === socket) session.user.socket = null;
  });
});
wss.on('listening', () => {
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'raw relay listening', clientPort: port })}\n`);
});
wss.on('error', (err) => {
  process.stderr.write(`raw relay: ${err.message}\n`);
  process.exit(1);
});

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  for (const client of wss.clients) client.terminate();
  wss.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
// bench/main.js holds the other end of stdin: when it ends, main is gone and so is our purpose.
process.stdin.on('end', stop).on('error', stop).resume();
