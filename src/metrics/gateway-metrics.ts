import { Counter, Gauge, type Registry } from 'prom-client';
import { createRegistry } from './registry.js';

/** What the gateway's gauges read at each scrape. */
export interface GatewayMetricSources {
  /** The server list: valid entries, and those fresh enough to be handed out; throws when Redis cannot answer. */
  servers(): Promise<{ listed: number; live: number }>;
}

/** The gateway's series, on a registry of its own (tests run several gateways in one process). */
export class GatewayMetrics {
  readonly registry: Registry;
  readonly #requests: Counter<'path' | 'status'>;

  constructor(sources: GatewayMetricSources) {
    const registry = createRegistry();
    this.registry = registry;
    const registers = [registry];
    this.#requests = new Counter({
      name: 'zkchat_gateway_requests_total',
      help: 'HTTP requests answered, by endpoint ("other": any unknown path) and status.',
      labelNames: ['path', 'status'],
      registers,
    });
    // Both gauges are collected at once (prom-client collects a registry's metrics concurrently): one read serves them.
    let reading: Promise<{ listed: number; live: number }> | null = null;
    const read = () => (reading ??= sources.servers().finally(() => (reading = null)));
    new Gauge({
      name: 'zkchat_gateway_redis_up',
      help: '1 when the server list could be read from Redis at this scrape, else 0.',
      registers,
      async collect() {
        this.set(await read().then(() => 1, () => 0));
      },
    });
    new Gauge({
      name: 'zkchat_gateway_servers',
      help: 'Chat nodes in the server list: every valid entry ("listed") and those refreshed recently enough to be handed out ("live"). Absent when Redis does not answer.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        try {
          const { listed, live } = await read();
          this.set({ state: 'listed' }, listed);
          this.set({ state: 'live' }, live);
        } catch {
          // Left out: zero servers would read as a dead cluster, not an unreadable list.
        }
      },
    });
  }

  request(path: string, status: number): void {
    this.#requests.inc({ path, status: String(status) });
  }
}
