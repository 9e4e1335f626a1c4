import { once } from 'node:events';
import type { ExecutionContext } from 'ava';
import { WebSocketServer, type WebSocket } from 'ws';
import { ErrorCode } from '../../protocol/codes.js';
import { errorFrame } from '../../protocol/frames.js';
import { parseRequest, type ValidRequest } from '../../protocol/validate.js';

/** The largest request frame a fake server reads, as a chat node's default. */
export const FAKE_MAX_REQUEST_BYTES = 64 * 1024;

/** One client connection of a fake server: its socket, and whatever the fake keeps about it. */
export interface FakeConnection {
  readonly socket: WebSocket;
}

export interface FakeServerSetup<C extends FakeConnection> {
  /** What the fake keeps about a new connection. */
  accept(socket: WebSocket): C;
  /** The frame that answers one request (checked by the real protocol parser), or nothing to leave it unanswered. */
  answer(conn: C, request: ValidRequest): object | void;
  /** After the connection closed; it is out of `connections` then. */
  closed?(conn: C): void;
  /** Whether WebSocket pings are answered (default true). */
  autoPong?: boolean;
}

export interface FakeServer<C extends FakeConnection> {
  url: string;
  /** The open connections. */
  connections: Set<C>;
  /** Their sockets, as they are now. */
  readonly sockets: Set<WebSocket>;
  send(conn: C, frame: object): void;
  /** Cuts every connection and stops listening; also done at teardown. */
  close(): Promise<void>;
}

/**
 * A WebSocket server on a free loopback port that reads every frame with the real request parser,
 * answers one it cannot read with a 400 error frame, and hands the others to `setup.answer`.
 * The scaffolding of the fake chat nodes of the client tests; what they answer is theirs.
 */
export async function startFakeServer<C extends FakeConnection>(t: ExecutionContext, setup: FakeServerSetup<C>): Promise<FakeServer<C>> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong: setup.autoPong ?? true });
  await once(wss, 'listening');
  const connections = new Set<C>();
  const send = (conn: C, frame: object) => conn.socket.send(JSON.stringify(frame));
  wss.on('connection', (socket) => {
    const conn = setup.accept(socket);
    connections.add(conn);
    socket.on('close', () => {
      connections.delete(conn);
      setup.closed?.(conn);
    });
    socket.on('message', (raw) => {
      let request: ValidRequest;
      try {
        request = parseRequest(raw.toString(), FAKE_MAX_REQUEST_BYTES);
      } catch (err) {
        send(conn, errorFrame(null, ErrorCode.BAD_REQUEST, err instanceof Error ? err.message : String(err)));
        return;
      }
      const answer = setup.answer(conn, request);
      if (answer) send(conn, answer);
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const conn of connections) conn.socket.terminate();
      wss.close(() => resolve());
    });
  t.teardown(close);
  return {
    url: `ws://127.0.0.1:${port}`,
    connections,
    get sockets() {
      return new Set([...connections].map((conn) => conn.socket));
    },
    send,
    close,
  };
}
