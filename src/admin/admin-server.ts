import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpPort } from '../http-listen.js';
import { timingSafeEqual } from 'node:crypto';
import { ZkchatError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { ErrorCode } from '../../protocol/codes.js';
import { SchemaError } from '../../protocol/schema.js';
import { isBackendUnavailable } from '../storage/backend-errors.js';
import type { AdminRoutes } from './admin-routes.js';

export interface AdminServerOptions {
  host: string;
  port: number;
  /** Bearer token every request must carry. */
  token: string;
  maxBodyBytes: number;
}

export interface AdminReply {
  status: number;
  body: unknown;
}

export class BodyTooLargeError extends Error {}

/**
 * The push API for a back office: HTTP JSON on its own port, every request behind a bearer token.
 * Answers are JSON; errors are `{"error": {"code", "message"}}` with the HTTP status as the code.
 */
export class AdminServer {
  readonly #port = new HttpPort((req, res) => this.#handle(req, res));
  readonly #token: Buffer;

  constructor(private readonly options: AdminServerOptions, private readonly routes: AdminRoutes, private readonly logger: Logger) {
    this.#token = Buffer.from(options.token);
  }

  /** Resolves with the bound port. */
  listen(): Promise<number> {
    return this.#port.listen(this.options.host, this.options.port);
  }

  close(): Promise<void> {
    return this.#port.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin');
    let reply: AdminReply;
    try {
      if (!this.#authorized(req.headers.authorization)) throw new ZkchatError(ErrorCode.UNAUTHORIZED, 'a valid "Authorization: Bearer <ADMIN_TOKEN>" header is required');
      const body = req.method === 'POST' ? await this.#readJson(req) : undefined;
      reply = await this.routes.handle(req.method ?? 'GET', url.pathname, url.searchParams, body);
    } catch (err) {
      reply = this.#errorReply(err, url.pathname);
      req.resume();
    }
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(reply.body));
  }

  #authorized(header: string | undefined): boolean {
    const match = /^Bearer (.+)$/.exec(header ?? '');
    if (!match) return false;
    const given = Buffer.from(match[1]!);
    return given.length === this.#token.length && timingSafeEqual(given, this.#token);
  }

  async #readJson(req: IncomingMessage): Promise<unknown> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > this.options.maxBodyBytes) throw new BodyTooLargeError();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > this.options.maxBodyBytes) throw new BodyTooLargeError();
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ZkchatError(ErrorCode.BAD_REQUEST, 'the body is not valid JSON');
    }
  }

  #errorReply(err: unknown, path: string): AdminReply {
    const error = (code: number, message: string): AdminReply => ({ status: code, body: { error: { code, message } } });
    if (err instanceof BodyTooLargeError) return error(ErrorCode.TOO_LARGE, `the body is larger than ADMIN_MAX_BODY_BYTES (${this.options.maxBodyBytes} bytes)`);
    if (err instanceof SchemaError) return error(ErrorCode.BAD_REQUEST, err.message);
    if (err instanceof ZkchatError) return error(err.code, err.message);
    if (isBackendUnavailable(err)) return error(ErrorCode.UNAVAILABLE, 'a backing service is unavailable: try again shortly');
    this.logger.error('admin request failed', { path, err });
    return error(ErrorCode.INTERNAL, 'internal error');
  }
}
