import { once } from 'node:events';
import WebSocket from 'ws';
import type { ServerFrame } from '../../protocol/frames.js';

/**
 * A raw protocol client for tests: sends exactly what it is told and records every frame,
 * so tests can assert on the wire format itself.
 */
export class TestClient {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<{ match: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }> = [];
  #nextId = 0;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ServerFrame;
      this.frames.push(frame);
      this.#waiters = this.#waiters.filter((w) => (w.match(frame) ? (w.resolve(frame), false) : true));
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('error', () => undefined);
  }

  static async connect(port: number, options: WebSocket.ClientOptions = {}): Promise<TestClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`, options);
    await once(socket, 'open');
    return new TestClient(socket);
  }

  /** Resolves with the first frame (already received or future) that matches. */
  next(match: (f: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`)), timeoutMs);
      this.#waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  sendRaw(text: string | Buffer): void {
    this.socket.send(text);
  }

  /** Sends a request and resolves with its reply or error frame. */
  async request(action: string, data: unknown = {}): Promise<ServerFrame> {
    const id = `t${++this.#nextId}`;
    this.sendRaw(JSON.stringify({ v: 1, id, action, data }));
    return this.next((f) => 'replyTo' in f && f.replyTo === id);
  }

  events(action: string): ServerFrame[] {
    return this.frames.filter((f) => !('replyTo' in f) && f.action === action);
  }

  close(): void {
    this.socket.close();
  }
}
