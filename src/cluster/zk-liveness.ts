/**
 * Notices a ZooKeeper that stopped answering while the socket stays open (a silent network, or a
 * connection the server no longer serves). node-zookeeper-client has no read timeout and never
 * reports that, while the server expires the session one timeout after it last heard from us and
 * lets someone else lead.
 *
 * So we send a cheap request every timeout/6 and remember when the server certainly heard us (the
 * send time of the latest answered request). No answer for timeout/2: `silent` (a leader steps
 * down, at most 2/3 of a timeout after the server last heard it, i.e. before it can be replaced).
 * No answer for a whole timeout: `dead` (the server has expired the session by now or is not
 * serving it; the owner starts a new one).
 */
import { exists, ZkState, type ZkClient } from './zk-client.js';

export interface LivenessHandlers {
  silent(silentMs: number): void;
  answering(): void;
  dead(silentMs: number): void;
}

export class LivenessProbe {
  readonly #client: ZkClient;
  readonly #path: string;
  readonly #timeoutMs: number;
  readonly #handlers: LivenessHandlers;
  readonly #timer: NodeJS.Timeout;
  readonly #onConnected = () => this.#heardNow();
  #confirmedAt = Date.now();
  #inFlight = false;
  #silent = false;
  #stopped = false;

  /** `path`: some znode to read; `timeoutMs`: the negotiated session timeout. */
  constructor(client: ZkClient, path: string, timeoutMs: number, handlers: LivenessHandlers) {
    this.#client = client;
    this.#path = path;
    this.#timeoutMs = timeoutMs;
    this.#handlers = handlers;
    this.#timer = setInterval(() => this.#tick(), Math.max(50, Math.floor(timeoutMs / 6)));
    // A (re)connect handshake is an answer too; while disconnected the state events speak instead.
    client.on('connected', this.#onConnected);
  }

  /** True between `silent` and the next answer. */
  get silent(): boolean {
    return this.#silent;
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#client.removeListener('connected', this.#onConnected);
  }

  #heardNow(): void {
    this.#confirmedAt = Date.now();
    this.#silent = false;
  }

  #tick(): void {
    if (this.#stopped || this.#client.getState() !== ZkState.SYNC_CONNECTED) return;
    const silentMs = Date.now() - this.#confirmedAt;
    if (silentMs > this.#timeoutMs) {
      this.stop();
      return this.#handlers.dead(silentMs);
    }
    if (!this.#silent && silentMs > this.#timeoutMs / 2) {
      this.#silent = true;
      this.#handlers.silent(silentMs);
    }
    if (this.#inFlight) return;
    this.#inFlight = true;
    const sentAt = Date.now();
    exists(this.#client, this.#path)
      .then(() => {
        this.#confirmedAt = Math.max(this.#confirmedAt, sentAt);
        if (!this.#silent || this.#stopped) return;
        this.#silent = false;
        this.#handlers.answering();
      })
      .catch(() => undefined) // a lost connection is reported by the client's state events
      .finally(() => (this.#inFlight = false));
  }
}
