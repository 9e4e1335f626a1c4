import type { Redis } from 'ioredis';
import { ClusterRouter } from '../cluster/cluster-router.js';
import { Cluster } from '../cluster/cluster.js';
import type { Logger } from '../../core/logger.js';
import { CloseCode } from '../../protocol/codes.js';
import type { NodeConfig } from '../config.js';
import { GlobalSessions } from '../session/global-sessions.js';
import { LocalSessions } from '../session/local-sessions.js';
import { MessageStore } from '../storage/message-store.js';
import { connectMongo, type MongoHandle } from '../storage/mongo.js';
import { connectRedis } from '../storage/redis.js';
import { RoomStore } from '../storage/room-store.js';
import { UserStore } from '../storage/user-store.js';
import type { ClientConnection } from './client-connection.js';
import { ClientServer } from './client-server.js';
import { endSession } from './handlers/account.js';
import { LocalRouter } from './local-router.js';
import { createRequestPipeline } from './request-pipeline.js';
import type { NodeServices } from './services.js';

/** How long clients get to close after the server says it is going away. */
const SHUTDOWN_GRACE_MS = 2000;

/**
 * Internal link limits. A link frame carries a whole event-loop turn of relays, so it may be far
 * larger than a client frame; the backlog bounds keep a stuck peer from growing memory (the link
 * is dropped instead and the origins resend after it comes back).
 */
const LINK_LIMITS = { maxFrameBytes: 16 * 1024 * 1024, maxBufferedBytes: 64 * 1024 * 1024, maxBatch: 50_000 };
/** Relays awaiting acks, and how many delivered relay ids a target remembers to drop resends. */
const RELAY_BOUNDS = { maxPending: 20_000, dedupeSize: 100_000 };
/** History rows waiting for MongoDB; beyond maxQueued chat answers 503 instead of growing memory. */
const HISTORY_BATCHING = { maxQueued: 10_000, batchSize: 500, flushIntervalMs: 50 };

/** Composition root of one chat node: builds stores, sessions and the client port; start() and stop(). */
export class ChatNode {
  #mongo: MongoHandle | null = null;
  #redis: Redis | null = null;
  #services: NodeServices | null = null;
  #clients: ClientServer | null = null;
  #cluster: Cluster | null = null;
  #stopping: Promise<void> | null = null;
  clientPort = 0;
  clusterPort = 0;

  /** The node's cluster view; null before start(). */
  get cluster(): Cluster | null {
    return this.#cluster;
  }

  constructor(private readonly config: NodeConfig, private readonly logger: Logger) {}

  async start(): Promise<void> {
    const { config, logger } = this;
    this.#mongo = await connectMongo(config.mongoUrl, config.mongoDb, config.connectTimeoutMs);
    this.#redis = await connectRedis(config.redisUrl, config.connectTimeoutMs);
    const { db } = this.#mongo;

    const users = new UserStore(db);
    const messages = new MessageStore(db, HISTORY_BATCHING, logger);
    await Promise.all([users.ensureIndexes(), messages.ensureIndexes(), new RoomStore(db).ensureIndexes()]);

    const local = new LocalSessions<ClientConnection>();
    const localRouter = new LocalRouter(local);
    const global = new GlobalSessions(this.#redis, config.redisPrefix);
    const cluster = new Cluster({
      selfId: config.nodeId,
      host: config.host,
      publicHost: config.publicHost,
      clientPort: 0, // set below, once the client port listens
      clusterPort: config.clusterPort,
      secret: config.clusterSecret,
      zk: { connect: config.zkConnect, root: config.zkRoot, sessionTimeoutMs: config.zkSessionTimeoutMs },
      links: LINK_LIMITS,
      relay: { ...RELAY_BOUNDS, timeoutMs: config.relayTimeoutMs },
      tickMs: config.clusterTickMs,
      redis: this.#redis,
      redisPrefix: config.redisPrefix,
      sessions: global,
      connectionCount: () => this.#clients?.connectionCount ?? 0,
      deliverLocal: (event) => localRouter.deliverLocal(event),
      republishSessions: () => this.#republishSessions(),
      logger,
    });
    this.#cluster = cluster;
    const services: NodeServices = {
      nodeId: config.nodeId,
      logger,
      users,
      messages,
      local,
      global,
      router: new ClusterRouter(config.nodeId, localRouter, global, cluster),
      redis: this.#redis,
      redisPrefix: config.redisPrefix,
      isNodeAlive: (nodeId) => cluster.isAlive(nodeId),
    };
    this.#services = services;
    // Sessions left by an earlier run of this node id that died without cleaning up.
    await services.global.removeNode(config.nodeId);

    const pipeline = createRequestPipeline(services, config.limits.maxFrameBytes);
    this.#clients = new ClientServer(
      config.limits,
      { onFrame: pipeline, onClose: (conn) => this.#endSessionQuietly(conn) },
      logger,
      config.nodeId,
    );
    this.clientPort = await this.#clients.listen(config.host, config.clientPort);
    cluster.setClientPort(this.clientPort);
    await cluster.start();
    this.clusterPort = cluster.clusterPort;
    logger.info('chat node listening', { clientPort: this.clientPort, clusterPort: this.clusterPort, host: config.host, leader: cluster.leader()?.id ?? null });
  }

  /** Writes every local user's share of its global session again (after a ZooKeeper session loss). */
  async #republishSessions(): Promise<void> {
    const services = this.#services;
    if (!services) return;
    const shares = [...services.local.entries()].map(([username, conns]) => ({
      username,
      count: conns.size,
      loginAt: Math.max(...[...conns].map((conn) => conn.loginAt)),
    }));
    await services.global.setNodeDevicesMany(services.nodeId, shares);
  }

  async #endSessionQuietly(conn: ClientConnection): Promise<void> {
    if (!this.#services) return;
    try {
      await endSession(this.#services, conn);
    } catch (err) {
      this.logger.warn('could not end session', { err, user: conn.username });
    }
  }

  /** Closes clients with 1001, removes this node's sessions, flushes history, closes stores. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.logger.info('chat node stopping');
    await this.#clients?.close(CloseCode.GOING_AWAY, 'server shutting down', SHUTDOWN_GRACE_MS);
    const services = this.#services;
    if (services) {
      await services.global.removeNode(services.nodeId).catch((err: unknown) => this.logger.warn('could not remove sessions', { err }));
      await this.#cluster?.stop().catch((err: unknown) => this.logger.warn('could not leave the cluster cleanly', { err }));
      await services.messages.flush().catch((err: unknown) => this.logger.warn('could not flush history', { err }));
    }
    this.#redis?.disconnect();
    await this.#mongo?.client.close();
    this.logger.info('chat node stopped');
  }
}
