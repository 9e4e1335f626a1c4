import { ZkchatError, unavailable } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { ErrorCode } from '../../protocol/codes.js';
import type { CallMessage, LinkMessage, ResultMessage } from './link-messages.js';

/** What host calls need of the cluster. */
export interface HostTopology {
  selfId: string;
  /** The node hosting `room` now (null: the one answering for all rooms), or null during an election. */
  hostOf(room: string | null): string | null;
  link(peerId: string): { send(message: LinkMessage): boolean } | undefined;
}

/** Runs call `op` on the host; throws ZkchatError for answers the client should get as they are. */
export type HostHandler = (op: string, args: Record<string, unknown>, from: string) => Promise<unknown>;

interface Pending {
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  host: string;
}

/**
 * Request/answer calls from any node to the room host, over the cluster links (or straight to the
 * handler when this node is the host). A call whose host dies or changes fails with 503 and is not
 * retried here: the client retries, and room chats carry a client message id the log de-duplicates.
 */
export class HostCalls {
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  constructor(
    private readonly topology: HostTopology,
    private readonly handler: HostHandler,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Runs `op` on the host of `room` (null: an operation over all rooms). */
  call(room: string | null, op: string, args: Record<string, unknown>): Promise<unknown> {
    const { selfId } = this.topology;
    const host = this.topology.hostOf(room);
    if (host === null) return Promise.reject(unavailable('no room host right now (leader election): try again shortly'));
    if (host === selfId) return this.handler(op, args, selfId);
    const link = this.topology.link(host);
    const id = `${selfId}/${(++this.#next).toString(36)}`;
    if (!link?.send({ t: 'call', id, op, args })) return Promise.reject(unavailable('the room host cannot be reached: try again shortly'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.#settle(id, () => reject(unavailable('the room host did not answer in time: try again'))), this.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer, host });
    });
  }

  /** Calls and answers that arrived from `from`. */
  onMessage(from: string, message: CallMessage | ResultMessage): void {
    if (message.t === 'call') void this.#serve(from, message);
    else this.#settle(message.id, (p) => (message.ok ? p.resolve(message.data) : p.reject(new ZkchatError(message.code, message.message))));
  }

  /** The host changed or its link closed: calls waiting on `host` (all, when null) fail now. */
  hostLost(host: string | null): void {
    for (const [id, pending] of this.#pending) {
      if (host === null || pending.host === host) this.#settle(id, (p) => p.reject(unavailable('the room host changed: try again')));
    }
  }

  close(): void {
    this.hostLost(null);
  }

  async #serve(from: string, call: CallMessage): Promise<void> {
    let result: ResultMessage;
    try {
      result = { t: 'result', id: call.id, ok: true, data: await this.handler(call.op, call.args, from) };
    } catch (err) {
      if (err instanceof ZkchatError) result = { t: 'result', id: call.id, ok: false, code: err.code, message: err.message };
      else {
        this.logger.warn('host call failed', { op: call.op, from, err: (err as Error).message });
        result = { t: 'result', id: call.id, ok: false, code: ErrorCode.UNAVAILABLE, message: 'the room host could not complete the request: try again shortly' };
      }
    }
    this.topology.link(from)?.send(result);
  }

  #settle(id: string, settle: (pending: Pending) => void): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    settle(pending);
  }
}
