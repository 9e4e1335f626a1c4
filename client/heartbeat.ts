import type { WebSocket } from 'ws';

/**
 * Our own WebSocket pings. The server's pings keep it informed, but only our own tell us
 * that a connection went half-open (a sleeping laptop, a dropped NAT entry): with no pong
 * and nothing else heard by the next beat, the socket is terminated, which starts a reconnect.
 */
export class Heartbeat {
  #timer: NodeJS.Timeout | null = null;
  #awaitingPong = false;

  constructor(private readonly intervalMs: number, private readonly onDead: () => void) {}

  start(socket: Pick<WebSocket, 'ping' | 'terminate'>): void {
    this.stop();
    if (this.intervalMs <= 0) return;
    this.#timer = setInterval(() => {
      if (this.#awaitingPong) {
        this.stop();
        this.onDead();
        socket.terminate();
        return;
      }
      this.#awaitingPong = true;
      socket.ping();
    }, this.intervalMs);
    this.#timer.unref();
  }

  /** Anything heard from the server (pong, ping, a frame) proves the connection works. */
  heard(): void {
    this.#awaitingPong = false;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#awaitingPong = false;
  }
}
