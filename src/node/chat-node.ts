import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { withTimeout } from '../../core/with-timeout.js';
import { CloseCode } from '../../protocol/codes.js';
import { ArchiveWriter } from '../archive/archive-writer.js';
import { Cluster } from '../cluster/cluster.js';
import type { NodeConfig } from '../config.js';
import { LocalDelivery } from '../delivery/local-delivery.js';
import { LocalRooms } from '../delivery/local-rooms.js';
import { LocalSessions } from '../delivery/local-sessions.js';
import { DeliveryRouter } from '../delivery/router.js';
import { MessageLog } from '../inbox/message-log.js';
import { GlobalSessions } from '../session/global-sessions.js';
import { MessageStore } from '../storage/message-store.js';
import { connectMongo, type MongoHandle } from '../storage/mongo.js';
import { RedisKeys } from '../storage/redis-keys.js';
import { connectBlockingRedis, connectRedis } from '../storage/redis.js';
import { RoomStore } from '../storage/room-store.js';
import { UserDirectory } from '../storage/user-directory.js';
import { UserStore } from '../storage/user-store.js';
import { HistoryReader } from '../history/history-reader.js';
import { HotWordsBoard } from '../hot-words/hot-words-board.js';
import { WordFilterSource } from '../text/word-filter-source.js';
import { NodeRooms } from '../rooms/node-rooms.js';
import { RoomHost } from '../rooms/room-host.js';
import { RoomLog } from '../rooms/room-log.js';
import { AdminRoutes } from '../admin/admin-routes.js';
import { AdminServer } from '../admin/admin-server.js';
import { PushService } from '../push/push-service.js';
import { Subscriptions } from '../push/subscriptions.js';
import { PushQueue } from '../push/push-queue.js';
import { OnlineEvents } from '../push/online-events.js';
import { LoginThrottle } from '../abuse/login-throttle.js';
import { MeteredLocalDelivery } from '../metrics/metered-delivery.js';
import { MetricsServer } from '../metrics/metrics-server.js';
import { NodeMetrics } from '../metrics/node-metrics.js';
import { timeRedisCommands } from '../metrics/redis-timing.js';
import { TimedMessageStore } from '../metrics/timed-stores.js';
import { ResumeTokens } from '../session/resume-tokens.js';
import type { ClientConnection } from './client-connection.js';
import { ClientServer } from './client-server.js';
import { endSession } from './handlers/account.js';
import { ackFrames, createRequestPipeline } from './request-pipeline.js';
import type { NodeServices } from './services.js';

/** A host call that arrives before the node is built (cannot happen once start() returned). */
function unhosted(): never {
  throw new Error('room host not ready');
}

/** How long stop() lets the archive writer finish the batch in hand (what it leaves stays in Redis). */
const ARCHIVE_STOP_MS = 5000;

/** Composition root of one chat node: builds stores, sessions, delivery, the cluster and the client port; start() and stop(). */
export class ChatNode {
  #mongo: MongoHandle | null = null;
  #redis: Redis | null = null;
  #blockingRedis: Redis | null = null;
  #services: NodeServices | null = null;
  #clients: ClientServer | null = null;
  #cluster: Cluster | null = null;
  #archive: ArchiveWriter | null = null;
  #words: WordFilterSource | null = null;
  #hotWords: HotWordsBoard | null = null;
  #admin: AdminServer | null = null;
  #subscriptions: Subscriptions | null = null;
  #pushQueue: PushQueue | null = null;
  #onlineEvents: OnlineEvents | null = null;
  #queueRedis: Redis | null = null;
  #metricsServer: MetricsServer | null = null;
  adminPort = 0;
  /** The bound `/metrics` port; 0 while metrics are off. */
  metricsPort = 0;
  readonly #onSighup = () => void this.#words?.reload();
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
    const { limits } = config;
    this.#mongo = await connectMongo(config.mongoUrl, config.mongoDb, { connectTimeoutMs: limits.backend.connectTimeoutMs, socketTimeoutMs: limits.backend.mongoSocketTimeoutMs });
    const redis = await connectRedis(config.redisUrl, {
      connectTimeoutMs: limits.backend.connectTimeoutMs,
      commandTimeoutMs: limits.backend.redisCommandTimeoutMs,
      name: `${config.redisPrefix}${config.nodeId}`,
    });
    this.#redis = redis;
    const { db } = this.#mongo;
    const keys = new RedisKeys(config.redisPrefix);

    // Metrics off: none of the metered variants below is built, so the hot path pays nothing.
    const metrics = config.metricsPort === null ? null : this.#createMetrics(redis, keys);
    if (metrics) timeRedisCommands(redis, (command, seconds) => metrics.redisCommand(command, seconds));

    const users = new UserStore(db, limits.backend.mongoMaxTimeMs);
    const messages = metrics
      ? new TimedMessageStore(db, limits.backend.mongoMaxTimeMs, (op, seconds) => metrics.mongoCall(op, seconds))
      : new MessageStore(db, limits.backend.mongoMaxTimeMs);
    const roomStore = new RoomStore(db, limits.backend.mongoMaxTimeMs);
    await Promise.all([users.ensureIndexes(), messages.ensureIndexes(), roomStore.ensureIndexes()]);
    const scriptLimits = { ...limits.inbox, archiveMaxBacklog: limits.archive.maxBacklog };
    const roomLog = new RoomLog(redis, keys, limits.inbox.recentPerConversation, scriptLimits);

    const words = await WordFilterSource.open({ path: config.dirtyWordsFile, logger: logger.child({ component: 'words' }) });
    this.#words = words;
    process.on('SIGHUP', this.#onSighup);
    const hotWords = new HotWordsBoard(redis, keys, limits.hotWords.resetMs, logger.child({ component: 'hot-words' }));
    this.#hotWords = hotWords;

    const local = new LocalSessions<ClientConnection>();
    const rooms = new LocalRooms<ClientConnection>();
    const resumeTokens = new ResumeTokens(config.clusterSecret, redis, keys, limits.login.resumeTokenTtlMs);
    const subscriptions = new Subscriptions(redis, keys, users, logger.child({ component: 'subscriptions' }));
    this.#subscriptions = subscriptions;
    await subscriptions.start();
    const wantsPush = (user: string, type: string) => !subscriptions.isOffCached(user, type);
    const localDelivery = metrics
      ? new MeteredLocalDelivery(local, rooms, wantsPush, (delivery, sockets) => metrics.delivered(delivery, sockets))
      : new LocalDelivery(local, rooms, wantsPush);
    const global = new GlobalSessions(redis, keys);
    // The rooms this node hosts (while it leads), and its own rooms' presence, reported to the host.
    let roomHost: RoomHost | null = null;
    const nodeRooms = new NodeRooms(rooms, local, (report) => {
      if (roomHost?.active) roomHost.onPresence(config.nodeId, report);
      else cluster.sendToLeader(report);
    });
    const cluster = new Cluster({
      selfId: config.nodeId,
      host: config.host,
      publicHost: config.publicHost,
      publicUrl: config.publicUrl,
      clientPort: 0, // set below, once the client port listens
      clusterPort: config.clusterPort,
      publicClusterPort: config.publicClusterPort,
      secret: config.clusterSecret,
      zk: { connect: config.zkConnect, root: config.zkRoot, sessionTimeoutMs: config.zkSessionTimeoutMs },
      links: limits.link,
      relay: limits.relay,
      tickMs: config.clusterTickMs,
      redis,
      keys,
      sessions: global,
      connectionCount: () => this.#clients?.connectionCount ?? 0,
      deliverLocal: (relayed) => void localDelivery.deliverRelayed(relayed),
      republishSessions: () => this.#republishSessions(),
      onLeader: (_leaderId, isSelf) => {
        hotWords.setLeader(isSelf);
        if (isSelf) {
          roomHost?.activate();
          roomHost?.onPresence(config.nodeId, nodeRooms.fullReport());
        } else {
          roomHost?.deactivate();
          // The new leader's link may be up already (then this is the report it needs), or not (then the link's arrival sends it).
          cluster.sendToLeader(nodeRooms.fullReport());
        }
      },
      hostHandler: (op, args, from) => (roomHost ?? unhosted()).handle(op, args, from),
      hostCallTimeoutMs: limits.rooms.callTimeoutMs,
      onPresence: (nodeId, report) => roomHost?.onPresence(nodeId, report),
      onMember: (message) => nodeRooms.applyMember(message),
      onLeaderLink: () => cluster.sendToLeader(nodeRooms.fullReport()),
      onNodeGone: (nodeId) => roomHost?.onNodeGone(nodeId),
      onRelayAcked: metrics ? (ms) => metrics.relayAcked(ms) : undefined,
      logger,
    });
    this.#cluster = cluster;
    const onlineEvents = new OnlineEvents(
      redis,
      keys,
      limits.online.eventIntervalMs,
      () => cluster.liveNodes(),
      (event) => void localDelivery.deliver({ audience: { kind: 'all' }, event: { action: 'online', data: event } }),
      logger.child({ component: 'online' }),
    );
    this.#onlineEvents = onlineEvents;
    await onlineEvents.start();
    roomHost = new RoomHost({
      selfId: config.nodeId,
      store: roomStore,
      log: roomLog,
      deliverLocal: (delivery) => void localDelivery.deliver(delivery),
      relay: (target, id, delivery) => cluster.relay(target, id, delivery),
      liveNodes: () => cluster.liveNodes(),
      announceMember: (message) => {
        nodeRooms.applyMember(message);
        cluster.sendToFollowers(message);
      },
      loadRetryMs: limits.rooms.loadRetryMs,
      logger: logger.child({ component: 'rooms' }),
    });
    const services: NodeServices = {
      nodeId: config.nodeId,
      logger,
      users,
      directory: new UserDirectory(redis, keys, users),
      log: new MessageLog(redis, keys, scriptLimits),
      local,
      rooms,
      nodeRooms,
      roomLog,
      roomStore,
      callHost: (room, op, args) => cluster.callHost(room, op, args),
      global,
      router: new DeliveryRouter(config.nodeId, localDelivery, cluster),
      redis,
      keys,
      loginThrottle: new LoginThrottle(redis, keys, limits.login),
      resumeTokens,
      maxConnectionsPerUser: limits.client.maxConnectionsPerUser,
      liveNodes: () => cluster.liveNodes(),
      announceOnline: (user, online) => onlineEvents.announce(user, online),
      history: new HistoryReader(redis, keys, messages, logger.child({ component: 'history' })),
      hotWords,
      words,
      subscriptions,
      fence: () => cluster.fence(),
      isNodeAlive: (nodeId) => cluster.isAlive(nodeId),
    };
    this.#services = services;
    // Sessions left by an earlier run of this node id that died without cleaning up.
    await services.global.removeNode(config.nodeId);

    if (config.archiveWriter) {
      this.#blockingRedis = await connectBlockingRedis(redis);
      this.#archive = new ArchiveWriter(redis, this.#blockingRedis, keys, messages, { consumer: config.nodeId, ...limits.archive }, logger.child({ component: 'archive' }), hotWords);
      await this.#archive.start();
    }

    const push = new PushService({
      log: services.log,
      directory: services.directory,
      router: services.router,
      sessions: global,
      redis,
      keys,
      liveNodes: () => cluster.liveNodes(),
      subscriptions,
      resumeTokens,
      logger: logger.child({ component: 'push' }),
    });
    this.#queueRedis = await connectBlockingRedis(redis);
    this.#pushQueue = new PushQueue(redis, this.#queueRedis, keys, push, { consumer: config.nodeId, ...limits.pushQueue }, logger.child({ component: 'push-queue' }));
    await this.#pushQueue.start();
    if (config.adminToken !== '') {
      this.#admin = new AdminServer({ host: config.host, port: config.adminPort, token: config.adminToken, maxBodyBytes: limits.admin.maxBodyBytes }, new AdminRoutes(push, limits.admin), logger.child({ component: 'admin' }));
      this.adminPort = await this.#admin.listen();
    } else {
      logger.info('push API off: ADMIN_TOKEN is not set');
    }
    if (metrics && config.metricsPort !== null) {
      this.#metricsServer = new MetricsServer(metrics.registry, logger.child({ component: 'metrics' }));
      this.metricsPort = await this.#metricsServer.listen(config.host, config.metricsPort);
    }

    const pipeline = createRequestPipeline(services, limits.client.maxFrameBytes);
    const onUrgentFrame = ackFrames(services, limits.client.maxFrameBytes, pipeline);
    this.#clients = new ClientServer(limits.client, { onFrame: pipeline, onUrgentFrame, onClose: (conn) => this.#endSessionQuietly(conn) }, logger, config.nodeId, metrics ?? undefined, config.trustProxy);
    this.clientPort = await this.#clients.listen(config.host, config.clientPort);
    cluster.setClientPort(this.clientPort);
    await cluster.start();
    this.clusterPort = cluster.clusterPort;
    logger.info('chat node listening', { clientPort: this.clientPort, clusterPort: this.clusterPort, adminPort: this.adminPort || null, metricsPort: this.metricsPort || null, host: config.host, leader: cluster.leader()?.id ?? null });
  }

  /** The node's series; sources are read at each scrape, so components built later are seen once they exist. */
  #createMetrics(redis: Redis, keys: RedisKeys): NodeMetrics {
    return new NodeMetrics({
      clients: () => this.#clients?.stats() ?? { connections: 0, loggedIn: 0, bufferedBytes: 0, pendingRequests: 0 },
      relayPending: () => this.#cluster?.relayEngine.pendingCount ?? 0,
      zookeeperConnected: () => this.#cluster?.zookeeperConnected() ?? false,
      leader: () => this.#cluster?.isLeader() ?? false,
      archiveBacklog: () => redis.xlen(keys.archive),
    });
  }

  /** Writes every local user's share of its global session again (after a ZooKeeper session loss). */
  async #republishSessions(): Promise<void> {
    const services = this.#services;
    if (!services) return;
    const shares = [...services.local.entries()].map(([user, conns]) => ({
      username: user,
      count: conns.size,
      loginAt: Math.max(...[...conns].map((conn) => conn.loginAt)),
    }));
    await services.global.setNodeDevicesMany(services.nodeId, services.fence(), shares);
  }

  async #endSessionQuietly(conn: ClientConnection): Promise<void> {
    if (!this.#services) return;
    try {
      await endSession(this.#services, conn);
    } catch (err) {
      this.logger.warn('could not end session', { err, user: conn.username });
    }
  }

  /**
   * Closes clients with 1001, removes this node's sessions, leaves the cluster (its znodes go), lets
   * the archive writer finish its batch, closes the stores. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    const warn = (what: string) => (err: unknown) => this.logger.warn(what, { err });
    this.logger.info('chat node stopping');
    await this.#admin?.close().catch(warn('could not close the push API'));
    await this.#clients?.close(CloseCode.GOING_AWAY, 'server shutting down', this.config.limits.node.shutdownGraceMs);
    const services = this.#services;
    if (services) await services.global.removeNode(services.nodeId).catch(warn('could not remove sessions'));
    await this.#cluster?.stop().catch(warn('could not leave the cluster cleanly'));
    await this.#pushQueue?.stop().catch(warn('push queue'));
    this.#queueRedis?.disconnect();
    if (this.#archive) await withTimeout(this.#archive.stop(), ARCHIVE_STOP_MS, 'the archive batch in hand did not finish; it stays in Redis').catch(warn('archive writer'));
    await this.#metricsServer?.close().catch(warn('could not close the metrics port'));
    this.#hotWords?.stop();
    this.#subscriptions?.stop();
    this.#onlineEvents?.stop();
    this.#words?.close();
    process.off('SIGHUP', this.#onSighup);
    this.#blockingRedis?.disconnect();
    this.#redis?.disconnect();
    await this.#mongo?.client.close();
    this.logger.info('chat node stopped');
  }
}
