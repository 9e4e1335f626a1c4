import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpPort } from '../http-listen.js';
import type { Registry } from 'prom-client';
import type { Logger } from '../../core/logger.js';

/**
 * A node's `/metrics` port: Prometheus text, nothing else. It is not on the client port (clients
 * must not read it) and has no authentication: bind it to a private address.
 */
export class MetricsServer {
  readonly #port = new HttpPort((req, res) => this.#handle(req, res));

  constructor(private readonly registry: Registry, private readonly logger: Logger) {}

  /** Resolves with the bound port (`port` 0: any free one). */
  listen(host: string, port: number): Promise<number> {
    return this.#port.listen(host, port);
  }

  close(): Promise<void> {
    return this.#port.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    req.resume();
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/metrics') return plain(res, 404, 'not found: try /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'use GET\n', { allow: 'GET, HEAD' });
    try {
      const text = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : text);
    } catch (err) {
      this.logger.warn('metrics scrape failed', { err: (err as Error).message });
      plain(res, 500, 'metrics could not be collected\n');
    }
  }
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}
