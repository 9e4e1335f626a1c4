import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on `host:port`; resolves with the bound port (0 picks a free one), rejects if it cannot bind. */
export function listenHttp(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Stops accepting, lets running requests finish, and drops idle keep-alive sockets (which would hold close() open). */
export async function closeHttp(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await closed;
}

/** The listen/close shell of a small HTTP port (push API, metrics): one server, started once, closed once. */
export class HttpPort {
  #server: Server | null = null;

  constructor(private readonly handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {}

  /** Resolves with the bound port (`port` 0: any free one). */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((req, res) => void this.handle(req, res));
    const bound = await listenHttp(server, port, host);
    this.#server = server;
    return bound;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    await closeHttp(server);
  }
}
