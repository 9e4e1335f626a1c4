/** One client WebSocket speaking protocol v1: requests with ids, replies matched by `replyTo`, events. */
import WebSocket from 'ws';

/** A frame from the server; `data` is checked by whoever reads it. */
export interface Frame {
  replyTo?: string | null;
  action: string;
  data: unknown;
}

export type ReplyHandler = (frame: Frame) => void;

export class Connection {
  #nextId = 0;
  readonly #waiting = new Map<string, ReplyHandler>();
  /** Unsolicited frames (chat events). */
  onEvent: (frame: Frame) => void = () => undefined;
  /**
   * A fast path for frames the generator gets by the thousand (room events): true when it took the
   * frame from its bytes; otherwise the frame is parsed as JSON as usual.
   */
  onFrameBytes: ((raw: Buffer) => boolean) | null = null;
  /** The socket closed while the bench still used it. */
  onClose: (code: number, reason: string) => void = () => undefined;
  #closing = false;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (raw: Buffer) => this.#frame(raw));
    ws.on('close', (code: number, reason: Buffer) => {
      if (!this.#closing) this.onClose(code, reason.toString());
    });
    ws.on('error', () => undefined); // a close follows, reported through onClose
  }

  static open(url: string, timeoutMs = 10_000): Promise<Connection> {
    // No compression and no UTF-8 check of what the server sends: the generator's CPU is for load.
    const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: timeoutMs });
    return new Promise((resolve, reject) => {
      ws.once('open', () => {
        ws.removeAllListeners('error');
        resolve(new Connection(ws));
      });
      ws.once('error', (err) => reject(new Error(`cannot connect to ${url}: ${err.message}`)));
    });
  }

  /** Sends a request; `onReply` gets its reply or error frame. */
  request(action: string, data: unknown, onReply: ReplyHandler): void {
    const id = String(++this.#nextId);
    this.#waiting.set(id, onReply);
    this.ws.send(`{"v":1,"id":"${id}","action":"${action}","data":${JSON.stringify(data)}}`);
  }

  requestAsync(action: string, data: unknown, timeoutMs = 60_000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${action} within ${timeoutMs} ms`)), timeoutMs);
      this.request(action, data, (frame) => {
        clearTimeout(timer);
        resolve(frame);
      });
    });
  }

  get pending(): number {
    return this.#waiting.size;
  }

  close(): void {
    this.#closing = true;
    this.ws.close(1000);
  }

  #frame(raw: Buffer): void {
    if (this.onFrameBytes !== null && this.onFrameBytes(raw)) return;
    const frame = JSON.parse(raw.toString()) as Frame;
    if (typeof frame.replyTo === 'string') {
      const handler = this.#waiting.get(frame.replyTo);
      if (handler) {
        this.#waiting.delete(frame.replyTo);
        handler(frame);
      }
    } else if (frame.replyTo === undefined) {
      this.onEvent(frame);
    }
  }
}

/** The error of an error frame, or null for a reply. */
export function errorOf(frame: Frame): { code: number; message: string } | null {
  if (frame.action !== 'error') return null;
  const data = frame.data as { code?: unknown; message?: unknown };
  return { code: typeof data.code === 'number' ? data.code : 0, message: String(data.message ?? '') };
}
