import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { connectRedis } from '../storage/redis.js';
import type { GatewayConfig } from './config.js';
import { liveServers, pickServer, RecentPicks, ServerListReader, ServerListUnavailableError, type ServerEntry } from './server-list.js';

interface Reply {
  status: number;
  /** Sent as JSON, unless `text` is given. */
  body: unknown;
  headers?: Record<string, string>;
  /** A non-JSON answer (the metrics). */
  text?: { contentType: string; body: string };
}

type Route = () => Promise<Reply>;

const NO_SERVER_MESSAGE = 'no chat server is available, try again shortly';

/** Fixed-address HTTP service that tells a client which chat node to connect to. */
export class Gateway {
  private redis: Redis | undefined;
  private reader: ServerListReader | undefined;
  private server: Server | undefined;
  private readonly picks = new RecentPicks();
  private readonly routes: Record<string, Route> = {
    '/server': () => this.pickOne(),
    '/servers': () => this.listLive(),
    '/healthz': () => this.health(),
  };
  private readonly metrics: GatewayMetrics | null = null;

  constructor(
    private readonly config: GatewayConfig,
    private readonly logger: Logger,
  ) {
    if (config.metrics) {
      const metrics = new GatewayMetrics({
        servers: async () => {
          const entries = await this.requireReader().read();
          return { listed: entries.length, live: liveServers(entries, Date.now(), config.serverStaleMs).length };
        },
      });
      this.metrics = metrics;
      this.routes['/metrics'] = async () => ({ status: 200, body: null, text: { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() } });
    }
  }

  /** Connects to Redis, then listens; resolves with the bound port. Throws if either fails. */
  async start(): Promise<number> {
    if (this.server) throw new Error('the gateway is already started');
    const redis = await connectRedis(this.config.redisUrl, { connectTimeoutMs: this.config.connectTimeoutMs, commandTimeoutMs: this.config.connectTimeoutMs, name: `${this.config.redisPrefix}gateway` });
    // Headers must come within half the request deadline; 8 KiB of them at most (Node's default).
    const server = createServer(
      { requestTimeout: this.config.requestTimeoutMs, headersTimeout: Math.ceil(this.config.requestTimeoutMs / 2), maxHeaderSize: 8 * 1024 },
      (req, res) => this.handle(req, res),
    );
    try {
      await listen(server, this.config.port, this.config.host);
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    this.redis = redis;
    this.reader = new ServerListReader(redis, this.config.redisPrefix, this.config.connectTimeoutMs, this.logger);
    this.server = server;
    const port = this.port;
    this.logger.info('gateway listening', { host: this.config.host, port, key: this.reader.key });
    return port;
  }

  /** The bound port (after start). */
  get port(): number {
    if (!this.server) throw new Error('the gateway is not started');
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops accepting requests, lets running ones finish, and closes Redis. Safe to call twice. */
  async stop(): Promise<void> {
    const { server, redis } = this;
    if (!server || !redis) return;
    this.server = undefined;
    this.redis = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() waits for keep-alive sockets too; idle ones have no request to finish.
    server.closeIdleConnections();
    await closed;
    // quit() would wait for a Redis that is down; there is nothing to flush then anyway.
    if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
    else redis.disconnect();
    this.logger.info('gateway stopped');
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = Date.now();
    if (Number(req.headers['content-length'] ?? 0) > this.config.maxBodyBytes) {
      send(res, { ...errorReply(413, `request bodies are limited to ${this.config.maxBodyBytes} bytes`), headers: { connection: 'close' } });
      req.destroy();
      this.count((req.url ?? '/').split('?', 1)[0]!, 413);
      return;
    }
    req.resume(); // a body is never used; drain it so the connection can be reused
    const path = (req.url ?? '/').split('?', 1)[0]!;
    void this.route(req.method ?? '', path)
      .catch((err: unknown): Reply => {
        this.logger.error('request failed', { path, err });
        return errorReply(500, 'internal error');
      })
      .then((reply) => {
        // After stop() began, a kept-alive socket would hold server.close() open; end it with this answer.
        send(res, this.server ? reply : { ...reply, headers: { ...reply.headers, connection: 'close' } });
        this.logger.debug('request', { method: req.method, path, status: reply.status, ms: Date.now() - started });
        this.count(path, reply.status);
      })
      .catch(() => res.destroy()); // the answer could not be written: nothing better to do than drop the socket
  }

  /** Counts an answer; unknown paths share one label, so a scanner cannot grow the series without bound. */
  private count(path: string, status: number): void {
    this.metrics?.request(Object.hasOwn(this.routes, path) ? path : 'other', status);
  }

  private async route(method: string, path: string): Promise<Reply> {
    const route = Object.hasOwn(this.routes, path) ? this.routes[path] : undefined;
    if (!route) return errorReply(404, `no such endpoint: ${path}`);
    if (method !== 'GET') return { ...errorReply(405, `${method} is not allowed here, use GET`), headers: { allow: 'GET' } };
    return route();
  }

  private async pickOne(): Promise<Reply> {
    return this.withServerList((entries, now) => {
      this.picks.retain(entries);
      const chosen = pickServer(entries, now, this.config.serverStaleMs, (entry) => this.picks.extraLoad(entry));
      if (!chosen) return errorReply(503, NO_SERVER_MESSAGE);
      this.picks.record(chosen);
      return { status: 200, body: { id: chosen.id, url: chosen.clientUrl } };
    });
  }

  private async listLive(): Promise<Reply> {
    return this.withServerList((entries, now) => {
      const servers = liveServers(entries, now, this.config.serverStaleMs).map(({ id, clientUrl, role, connections }) => ({
        id,
        url: clientUrl,
        role,
        connections,
      }));
      return { status: 200, body: { servers } };
    });
  }

  private async health(): Promise<Reply> {
    const up = await this.requireReader().isRedisUp();
    return up ? { status: 200, body: { ok: true, redis: 'up' } } : { status: 503, body: { ok: false, redis: 'down' } };
  }

  /** Reads the list and hands it to `answer`; a Redis failure becomes a 503 saying so. */
  private async withServerList(answer: (entries: ServerEntry[], now: number) => Reply): Promise<Reply> {
    try {
      const entries = await this.requireReader().read();
      return answer(entries, Date.now());
    } catch (err) {
      if (!(err instanceof ServerListUnavailableError)) throw err;
      this.logger.warn('server list unavailable', { reason: err.message });
      return errorReply(503, err.message);
    }
  }

  private requireReader(): ServerListReader {
    // Requests still draining during stop() keep their reader; none arrive before start().
    if (!this.reader) throw new Error('the gateway is not started');
    return this.reader;
  }
}

function errorReply(code: number, message: string): Reply {
  return { status: code, body: { error: { code, message } } };
}

function send(res: ServerResponse, { status, body, headers, text }: Reply): void {
  const payload = text ? text.body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': text ? text.contentType : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    // The answer changes as load shifts; a cached one would pin every client to one node.
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
