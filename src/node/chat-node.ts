import type { Redis } from 'ioredis';
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

/** Composition root of one chat node: builds stores, sessions and the client port; start() and stop(). */
export class ChatNode {
  #mongo: MongoHandle | null = null;
  #redis: Redis | null = null;
  #services: NodeServices | null = null;
  #clients: ClientServer | null = null;
  #stopping: Promise<void> | null = null;
  clientPort = 0;

  constructor(private readonly config: NodeConfig, private readonly logger: Logger) {}

  async start(): Promise<void> {
    const { config, logger } = this;
    this.#mongo = await connectMongo(config.mongoUrl, config.mongoDb, config.connectTimeoutMs);
    this.#redis = await connectRedis(config.redisUrl, config.connectTimeoutMs);
    const { db } = this.#mongo;

    const users = new UserStore(db);
    const messages = new MessageStore(db, { maxQueued: 10_000, batchSize: 500, flushIntervalMs: 50 }, logger);
    await Promise.all([users.ensureIndexes(), messages.ensureIndexes(), new RoomStore(db).ensureIndexes()]);

    const local = new LocalSessions<ClientConnection>();
    const services: NodeServices = {
      nodeId: config.nodeId,
      logger,
      users,
      messages,
      local,
      global: new GlobalSessions(this.#redis, config.redisPrefix),
      router: new LocalRouter(local),
      redis: this.#redis,
      redisPrefix: config.redisPrefix,
      isNodeAlive: (nodeId) => nodeId === config.nodeId,
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
    logger.info('chat node listening', { clientPort: this.clientPort, host: config.host });
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
      await services.messages.flush().catch((err: unknown) => this.logger.warn('could not flush history', { err }));
    }
    this.#redis?.disconnect();
    await this.#mongo?.client.close();
    this.logger.info('chat node stopped');
  }
}
