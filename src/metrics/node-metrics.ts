import { Gauge, type Registry } from 'prom-client';
import { withTimeout } from '../../core/with-timeout.js';
import { CloseCode } from '../../protocol/codes.js';
import type { Delivery } from '../delivery/delivery.js';
import { encodedAction, type ClientMetrics } from './client-metrics.js';
import { FastHistogram } from './fast-histogram.js';
import { createRegistry, LATENCY_BUCKETS, MS_LATENCY_BUCKETS } from './registry.js';
import { Tally, tallyCounter } from './tally.js';

/** What the node's gauges read at each scrape (nothing of it is kept up to date on the hot path). */
export interface NodeMetricSources {
  /** One pass over the client connections. */
  clients(): { connections: number; loggedIn: number; bufferedBytes: number; pendingRequests: number };
  /** Relays this node originated that await their target's ack. */
  relayPending(): number;
  zookeeperConnected(): boolean;
  leader(): boolean;
  /** Messages in the archive stream, not yet in MongoDB (cluster-wide: every node reports the same). */
  archiveBacklog(): Promise<number>;
}

/** How long a scrape waits for Redis to count the archive backlog before leaving that series out. */
const BACKLOG_TIMEOUT_MS = 1000;

/** Close codes reported as themselves; any other code a client sends counts as 'other'. */
const KNOWN_CLOSE_CODES = new Set<number>([...Object.values(CloseCode), 1005, 1006]);

/**
 * Every series of a chat node, on a registry of its own. Counters of the frame path are tallies
 * (see Tally); gauges are read from `sources` when scraped; histograms are observed as events happen
 * (one observation per relay ack, per delivered message, per Redis command, per timed MongoDB call).
 */
export class NodeMetrics implements ClientMetrics {
  readonly registry: Registry;
  readonly #framesIn = new Tally();
  readonly #framesOut = new Tally();
  readonly #errors = new Tally();
  readonly #closes = new Tally();
  readonly #relay: FastHistogram;
  readonly #delivery: FastHistogram;
  readonly #redis: FastHistogram;
  readonly #mongo: FastHistogram;
  /** The last encoded frame and its action: a room's fan-out sends one text to many sockets. */
  #lastText = '';
  #lastAction = '';

  constructor(sources: NodeMetricSources) {
    const registry = createRegistry();
    this.registry = registry;
    const registers = [registry];
    tallyCounter(registry, 'zkchat_frames_in_total', 'Requests received from clients, by action ("unparsed": dropped before parsing or not a valid request).', 'action', this.#framesIn);
    tallyCounter(registry, 'zkchat_frames_out_total', 'Frames sent to clients (replies, events, errors), by action.', 'action', this.#framesOut);
    tallyCounter(registry, 'zkchat_errors_total', 'Error frames sent to clients, by error code.', 'code', this.#errors);
    tallyCounter(registry, 'zkchat_closes_total', 'Client connections closed, by close code (either side).', 'code', this.#closes);

    new Gauge({
      name: 'zkchat_connections',
      help: 'Open client connections ("all"), and those logged in ("logged_in").',
      labelNames: ['state'],
      registers,
      collect() {
        const { connections, loggedIn } = sources.clients();
        this.set({ state: 'all' }, connections);
        this.set({ state: 'logged_in' }, loggedIn);
      },
    });
    new Gauge({
      name: 'zkchat_outbound_buffered_bytes',
      help: 'Bytes written to client sockets but not yet sent, summed over connections.',
      registers,
      collect() {
        this.set(sources.clients().bufferedBytes);
      },
    });
    new Gauge({
      name: 'zkchat_pending_requests',
      help: 'Client requests queued or being handled, summed over connections.',
      registers,
      collect() {
        this.set(sources.clients().pendingRequests);
      },
    });
    new Gauge({
      name: 'zkchat_relay_pending',
      help: 'Relays to other nodes awaiting their ack (live deliveries in flight).',
      registers,
      collect() {
        this.set(sources.relayPending());
      },
    });
    new Gauge({
      name: 'zkchat_archive_backlog',
      help: 'Messages waiting in the archive stream for MongoDB (cluster-wide; absent when Redis does not answer in time).',
      registers,
      async collect() {
        this.reset();
        try {
          this.set(await withTimeout(sources.archiveBacklog(), BACKLOG_TIMEOUT_MS, 'archive backlog: Redis did not answer'));
        } catch {
          // Left out: a stale or zero backlog would read as healthy.
        }
      },
    });
    new Gauge({
      name: 'zkchat_zookeeper_connected',
      help: '1 while the ZooKeeper session is connected and answering, else 0.',
      registers,
      collect() {
        this.set(sources.zookeeperConnected() ? 1 : 0);
      },
    });
    new Gauge({
      name: 'zkchat_leader',
      help: '1 while this node is the cluster leader, else 0.',
      registers,
      collect() {
        this.set(sources.leader() ? 1 : 0);
      },
    });

    this.#relay = new FastHistogram(registry, {
      name: 'zkchat_relay_seconds',
      help: 'Time from sending a relay to another node until its ack (through the leader for followers).',
      buckets: MS_LATENCY_BUCKETS,
    });
    this.#delivery = new FastHistogram(registry, {
      name: 'zkchat_delivery_seconds',
      help: "Time from a chat or room message's timestamp (set by the node that took it) until this node wrote it to its recipients' sockets.",
      buckets: MS_LATENCY_BUCKETS,
    });
    this.#redis = new FastHistogram(registry, {
      name: 'zkchat_redis_seconds',
      help: "Redis command latency on the node's shared connection, by command (scripts by name).",
      buckets: LATENCY_BUCKETS,
      label: 'command',
    });
    this.#mongo = new FastHistogram(registry, {
      name: 'zkchat_mongo_seconds',
      help: 'MongoDB call latency, by operation.',
      buckets: LATENCY_BUCKETS,
      label: 'op',
    });
  }

  frameIn(action: string | null): void {
    this.#framesIn.add(action ?? 'unparsed');
  }

  frameOut(action: string): void {
    this.#framesOut.add(action);
  }

  encodedFrameOut(text: string): void {
    if (text !== this.#lastText) {
      this.#lastText = text;
      this.#lastAction = encodedAction(text);
    }
    this.#framesOut.add(this.#lastAction);
  }

  error(code: number): void {
    this.#errors.add(String(code));
  }

  closed(code: number): void {
    this.#closes.add(KNOWN_CLOSE_CODES.has(code) ? String(code) : 'other');
  }

  /** A relay was acked `ms` after it was first sent. */
  relayAcked(ms: number): void {
    this.#relay.record(ms / 1000);
  }

  /** `delivery` reached `sockets` local sockets just now. */
  delivered(delivery: Delivery, sockets: number): void {
    if (sockets === 0) return;
    const { event } = delivery;
    if (event.action === 'chat' || event.action === 'roomChat') this.#delivery.record(Math.max(0, Date.now() - event.data.ts) / 1000);
  }

  redisCommand(command: string, seconds: number): void {
    this.#redis.record(seconds, command);
  }

  mongoCall(op: string, seconds: number): void {
    this.#mongo.record(seconds, op);
  }
}
