import type { WebSocket } from 'ws';

export interface HeartbeatOptions {
  /** How often to ping; 0 turns the heartbeat off. */
  intervalMs: number;
  /** Silence (nothing heard at all) after which the connection counts as dead. */
  timeoutMs: number;
}

/**
 * Our own WebSocket pings, with a deadline. The server's pings keep it informed, but only our
 * own tell us that the node hangs (SIGSTOP, a swapped-out VM) or the connection went half-open
 * (a sleeping laptop, a dropped NAT entry): TCP stays up then, and nothing else would notice.
 * When nothing at all was heard for `timeoutMs`, the socket is terminated, which starts a reconnect.
 * Timers only: nothing here waits for the UI.
 */
export class Heartbeat {
  #pinger: NodeJS.Timeout | null = null;
  #deadline: NodeJS.Timeout | null = null;
  #verdict: NodeJS.Immediate | null = null;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly onDead: () => void,
  ) {}

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  start(socket: Pick<WebSocket, 'ping' | 'terminate'>): void {
    this.stop();
    if (this.options.intervalMs <= 0) return;
    this.#pinger = setInterval(() => socket.ping(), this.options.intervalMs);
    this.#deadline = setTimeout(() => {
      // Not yet: after a stalled event loop the deadline fires before the waiting pong is read.
      // The verdict comes after the next read of the sockets, which heard() cancels.
      this.#verdict = setImmediate(() => {
        this.stop();
        this.onDead();
        socket.terminate();
      });
    }, this.options.timeoutMs);
    // Neither keeps the process alive on its own: the socket does that while it is open.
    this.#pinger.unref();
    this.#deadline.unref();
  }

  /** Anything heard from the server (pong, ping, a frame) proves the connection works: the deadline starts over. */
  heard(): void {
    if (this.#verdict) clearImmediate(this.#verdict);
    this.#verdict = null;
    // refresh() also re-arms a deadline that has fired.
    this.#deadline?.refresh();
  }

  stop(): void {
    if (this.#pinger) clearInterval(this.#pinger);
    if (this.#deadline) clearTimeout(this.#deadline);
    if (this.#verdict) clearImmediate(this.#verdict);
    this.#pinger = null;
    this.#deadline = null;
    this.#verdict = null;
  }
}
