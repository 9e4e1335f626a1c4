/**
 * How a generator hands one push for a user to the servers: POST /push/user (zkchat's push API or
 * the raw relay's), or XADD to zkchat's push queue in the documented entry format
 * (`to <user> type <type> data <json>`). The push carries `{k: key}` as its data, by which the
 * receiving connection finds it again.
 */
import { Redis } from 'ioredis';
import type { Agent } from 'node:http';
import { keepAliveAgent, postJson } from './push-http.js';
import { USER_PUSH_TYPE, type PushTransport } from './push-ipc.js';

/** How long one POST or XADD may take before it counts as unanswered. */
export const PUSH_REQUEST_TIMEOUT_MS = 10_000;

/** `acked`: HTTP 2xx or the XADD's entry id; `unavailable`: 503; `refused`: another status; `unanswered`: no answer in time. */
export type SendOutcome = 'acked' | 'unavailable' | 'refused' | 'unanswered';

export interface PushSender {
  send(to: string, key: number): Promise<SendOutcome>;
  close(): void;
}

class ApiSender implements PushSender {
  readonly #agents: Agent[];

  constructor(private readonly adminUrls: readonly string[], private readonly token: string, concurrency: number) {
    this.#agents = adminUrls.map(() => keepAliveAgent(concurrency));
  }

  async send(to: string, key: number): Promise<SendOutcome> {
    // Node floor(key / n) % n: with users spread round robin over the same n nodes, every user is
    // pushed through each node in turn, so a third of the pushes are local and the rest relayed.
    const n = this.adminUrls.length;
    const node = Math.floor(key / n) % n;
    try {
      const { status } = await postJson(`${this.adminUrls[node]!}/push/user`, { to, type: USER_PUSH_TYPE, data: { k: key } }, this.token, this.#agents[node], PUSH_REQUEST_TIMEOUT_MS);
      if (status >= 200 && status < 300) return 'acked';
      return status === 503 ? 'unavailable' : 'refused';
    } catch {
      return 'unanswered';
    }
  }

  close(): void {
    for (const agent of this.#agents) agent.destroy();
  }
}

class StreamSender implements PushSender {
  readonly #redis: Redis;

  constructor(redisUrl: string, private readonly stream: string) {
    this.#redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, commandTimeout: PUSH_REQUEST_TIMEOUT_MS });
    this.#redis.on('error', () => undefined); // surfaces as a failed XADD
  }

  async send(to: string, key: number): Promise<SendOutcome> {
    try {
      const id = await this.#redis.xadd(this.stream, '*', 'to', to, 'type', USER_PUSH_TYPE, 'data', `{"k":${key}}`);
      return id === null ? 'refused' : 'acked';
    } catch {
      return 'unanswered';
    }
  }

  close(): void {
    this.#redis.disconnect();
  }
}

export function pushSender(transport: PushTransport, concurrency: number): PushSender {
  return transport.kind === 'api' ? new ApiSender(transport.adminUrls, transport.token, concurrency) : new StreamSender(transport.redisUrl, transport.stream);
}
