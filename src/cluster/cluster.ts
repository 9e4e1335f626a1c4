import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';
import { ClusterCloseCode } from '../../protocol/codes.js';
import type { Delivery, RelayedDelivery } from '../delivery/delivery.js';
import type { RelayPort } from '../delivery/router.js';
import type { GlobalSessions } from '../session/global-sessions.js';
import type { RedisKeys } from '../storage/redis-keys.js';
import type { ClusterLink } from './cluster-link.js';
import { ClusterServer, type ClusterPortLimits } from './cluster-server.js';
import { dialPeer } from './dial.js';
import { ZkMembership } from './membership.js';
import { NodeFences } from './node-fences.js';
import { clientUrlOf, type Member, type NodeInfo } from './node-info.js';
import { RelayEngine, type RelayLimits } from './relay-engine.js';
import { writeServerList } from './server-list.js';
import { HostCalls, type HostHandler } from './host-calls.js';
import type { LinkMessage, MemberMessage, PresenceMessage } from './link-messages.js';
import { hostOfRoom } from '../rooms/room-hosting.js';

export interface ClusterOptions {
  selfId: string;
  host: string;
  publicHost: string;
  /** What clients are told to open (PUBLIC_URL, e.g. behind a TLS terminator); null: `ws://publicHost:clientPort`. */
  publicUrl: string | null;
  clientPort: number;
  clusterPort: number;
  /** The cluster port peers dial, when port forwarding makes it differ from the bound one. */
  publicClusterPort: number | null;
  secret: string;
  zk: { connect: string; root: string; sessionTimeoutMs: number };
  links: ClusterPortLimits;
  relay: RelayLimits;
  /** How often followers report load and the leader rewrites the server list. */
  tickMs: number;
  redis: Redis;
  keys: RedisKeys;
  sessions: GlobalSessions;
  connectionCount: () => number;
  /** A relay for this node arrived. */
  deliverLocal: (delivery: RelayedDelivery) => void;
  /**
   * Called after this node lost its ZooKeeper session and registered again: meanwhile the leader
   * took it for dead and removed its users' sessions, so the node writes them back.
   */
  republishSessions: () => Promise<void>;
  /** The leader changed (or is known for the first time): `isSelf` when this node leads now. */
  onLeader: (leaderId: string | null, isSelf: boolean) => void;
  /** Rooms: calls this node serves as a room host, how long a call may take, and the host's messages. */
  hostHandler: HostHandler;
  hostCallTimeoutMs: number;
  /** Host side: a node's room presence arrived. */
  onPresence: (nodeId: string, message: PresenceMessage) => void;
  /** Any node: the host says a user joined or left a room. */
  onMember: (message: MemberMessage) => void;
  /** Follower: a link from the leader is up (a new leader, or the old one redialled): time to tell it everything. */
  onLeaderLink: () => void;
  /** Host side: a node left the cluster. */
  onNodeGone: (nodeId: string) => void;
  /** Metrics: a relay this node sent was acked `ms` after it was first sent. */
  onRelayAcked?: (ms: number) => void;
  logger: Logger;
}

const REDIAL_MS = 500;

/**
 * The node's part in the cluster: ZooKeeper membership and election, the authenticated cluster
 * port, relays through the leader, and — while leader — the server list and dead nodes' sessions.
 */
export class Cluster implements RelayPort {
  readonly relayEngine: RelayEngine;
  readonly hostCalls: HostCalls;
  readonly #links = new Map<string, ClusterLink>();
  readonly #loads = new Map<string, number>();
  readonly #dialing = new Set<string>();
  readonly #server: ClusterServer;
  readonly #fences: NodeFences;
  #membership: ZkMembership | null = null;
  #known: Member[] = [];
  /** Our own ZooKeeper session, as last registered: what our session writes are fenced with. */
  #fence = '';
  #tick: NodeJS.Timeout | null = null;
  #stopped = false;
  clusterPort = 0;

  constructor(private options: ClusterOptions) {
    const { logger } = options;
    this.relayEngine = new RelayEngine(
      {
        selfId: options.selfId,
        isLeader: () => this.isLeader(),
        leaderId: () => this.#membership?.leader()?.id ?? null,
        isAlive: (id) => this.isAlive(id),
        link: (id) => this.#links.get(id),
      },
      options.deliverLocal,
      options.relay,
      logger,
      options.onRelayAcked,
    );
    this.hostCalls = new HostCalls(
      { selfId: options.selfId, hostOf: (room) => hostOfRoom(room, this.leader()?.id ?? null), link: (id) => this.#links.get(id) },
      options.hostHandler,
      options.hostCallTimeoutMs,
      logger,
    );
    this.#server = new ClusterServer(options.selfId, options.secret, options.links, (link) => this.#addLink(link), logger);
    this.#fences = new NodeFences(options.redis, options.keys);
  }

  isLeader(): boolean {
    return this.#membership?.isLeader() ?? false;
  }

  /** Whether the ZooKeeper session is connected and answering (false before start and after stop). */
  zookeeperConnected(): boolean {
    return this.#membership?.connected() ?? false;
  }

  liveNodes(): string[] {
    const ids = this.#known.map((m) => m.id);
    return ids.includes(this.options.selfId) ? ids : [this.options.selfId, ...ids];
  }

  isAlive(nodeId: string): boolean {
    return nodeId === this.options.selfId || (this.#membership?.isAlive(nodeId) ?? false);
  }

  leader(): NodeInfo | null {
    return this.#membership?.leader() ?? null;
  }

  /** The fence this node's session writes carry: its ZooKeeper session id. */
  fence(): string {
    return this.#fence;
  }

  /** Runs a room operation on the room's host (this node or another). */
  callHost(room: string | null, op: string, args: Record<string, unknown>): Promise<unknown> {
    return this.hostCalls.call(room, op, args);
  }

  /** The node hosting `room` now. */
  hostOf(room: string | null): string | null {
    return hostOfRoom(room, this.leader()?.id ?? null);
  }

  /** Follower: a message for the leader (dropped while there is no link: the next link gets a full report). */
  sendToLeader(message: LinkMessage): void {
    const leaderId = this.leader()?.id;
    if (leaderId && leaderId !== this.options.selfId) this.#links.get(leaderId)?.send(message);
  }

  /** Leader: a message for every follower it has a link to. */
  sendToFollowers(message: LinkMessage): void {
    if (!this.isLeader()) return;
    for (const link of this.#links.values()) link.send(message);
  }

  relay(target: string, id: string, delivery: Delivery): void {
    this.relayEngine.send(target, id, delivery); // a full table is counted and logged by the next sweep
  }

  /** The client port is only known once it listens, just before start(). */
  setClientPort(port: number): void {
    this.options.clientPort = port;
  }

  async start(): Promise<void> {
    const { options } = this;
    this.clusterPort = await this.#server.listen(options.host, options.clusterPort);
    const membership = new ZkMembership({
      connect: options.zk.connect,
      root: options.zk.root,
      sessionTimeoutMs: options.zk.sessionTimeoutMs,
      logger: options.logger,
      self: {
        id: options.selfId,
        clientUrl: clientUrlOf(options.publicUrl, options.publicHost, options.clientPort),
        clusterUrl: `ws://${options.publicHost}:${options.publicClusterPort ?? this.clusterPort}`,
      },
    });
    this.#membership = membership;
    membership.on('members', (members) => this.#onMembers(members));
    membership.on('leader', (leader, isSelf) => this.#onLeader(leader, isSelf));
    membership.on('rejoined', () => this.#republishAfterRejoin());
    await membership.start();
    this.#fence = membership.sessionId() ?? '';
    await this.#fences.record(options.selfId, this.#fence);
    this.#tick = setInterval(() => this.#onTick(), options.tickMs);
  }

  #addLink(link: ClusterLink): void {
    if (this.#stopped) return link.close(ClusterCloseCode.SHUTDOWN, 'node shutting down');
    this.#links.get(link.peerId)?.close(ClusterCloseCode.REPLACED, 'replaced by a newer link');
    this.#links.set(link.peerId, link);
    link.on('messages', (messages) => {
      for (const m of messages) {
        if (m.t === 'load') this.#loads.set(link.peerId, m.connections);
        else if (m.t === 'call' || m.t === 'result') this.hostCalls.onMessage(link.peerId, m);
        else if (m.t === 'presence') this.options.onPresence(link.peerId, m);
        else if (m.t === 'member') this.options.onMember(m);
      }
      this.relayEngine.onMessages(link.peerId, messages);
    });
    link.on('close', () => {
      if (this.#links.get(link.peerId) === link) this.#links.delete(link.peerId);
      this.hostCalls.hostLost(link.peerId);
      this.options.logger.info('cluster link closed', { peer: link.peerId });
      if (this.isLeader() && this.isAlive(link.peerId)) setTimeout(() => this.#dialFollowers(), REDIAL_MS).unref();
    });
    this.relayEngine.resendAll();
    if (!this.isLeader() && link.peerId === this.leader()?.id) {
      this.#reportLoad();
      this.options.onLeaderLink();
    }
  }

  #onMembers(members: Member[]): void {
    const alive = new Set(members.map((m) => m.id));
    const gone = this.#known.filter((m) => !alive.has(m.id));
    this.#known = members;
    this.options.logger.info('cluster members', { members: [...alive], gone: gone.map((m) => m.id) });
    for (const { id } of gone) {
      this.relayEngine.nodeGone(id);
      this.options.onNodeGone(id);
      this.#loads.delete(id);
      this.#links.get(id)?.close(ClusterCloseCode.SHUTDOWN, 'peer left the cluster');
    }
    if (this.isLeader()) {
      for (const member of gone) void this.#cleanDeadNode(member.id, member.session);
      this.#dialFollowers();
      void this.#writeServerList();
    }
  }

  #onLeader(leader: NodeInfo | null, isSelf: boolean): void {
    this.options.logger.info('cluster leader', { leader: leader?.id ?? null, isSelf });
    this.hostCalls.hostLost(null);
    this.options.onLeader(leader?.id ?? null, isSelf);
    if (isSelf) {
      this.#dialFollowers();
      void this.#cleanDeadNodes();
      void this.#writeServerList();
    } else {
      // Followers only keep the link their leader opened.
      for (const [id, link] of this.#links) if (id !== leader?.id) link.close(ClusterCloseCode.REPLACED, 'no longer leader');
    }
    this.relayEngine.resendAll();
  }

  #dialFollowers(): void {
    if (!this.isLeader() || this.#stopped) return;
    for (const member of this.#known) {
      if (member.id === this.options.selfId || this.#links.get(member.id)?.isOpen || this.#dialing.has(member.id)) continue;
      this.#dialing.add(member.id);
      const { options } = this;
      dialPeer(member.clusterUrl, member.id, options.selfId, options.secret, options.links, options.logger, options.links.handshakeTimeoutMs)
        .then((link) => this.#addLink(link))
        .catch((err: unknown) => {
          options.logger.warn('cannot reach follower', { peer: member.id, err: (err as Error).message });
          setTimeout(() => this.#dialFollowers(), REDIAL_MS).unref();
        })
        .finally(() => this.#dialing.delete(member.id));
    }
  }

  #onTick(): void {
    this.relayEngine.sweep();
    if (this.isLeader()) void this.#writeServerList();
    else this.#reportLoad();
  }

  #reportLoad(): void {
    const leaderId = this.leader()?.id;
    if (leaderId) this.#links.get(leaderId)?.send({ t: 'load', connections: this.options.connectionCount() });
  }

  async #writeServerList(): Promise<void> {
    const { options } = this;
    try {
      await writeServerList(options.redis, options.keys.servers, this.#known, options.selfId, (id) =>
        id === options.selfId ? options.connectionCount() : (this.#loads.get(id) ?? 0),
      );
    } catch (err) {
      options.logger.warn('cannot write server list', { err: (err as Error).message });
    }
  }

  /**
   * Writes this node's sessions back, under its new fence, once now and once more after two ticks:
   * the leader's clean-up of the node's "death" may still be on its way (it removes only what the
   * old session wrote, so the second write is a safety net).
   */
  #republishAfterRejoin(): void {
    const { options } = this;
    this.#fence = this.#membership?.sessionId() ?? this.#fence;
    const republish = () => {
      if (this.#stopped) return;
      Promise.all([this.#fences.record(options.selfId, this.#fence), options.republishSessions()]).then(
        () => options.logger.info('sessions published again after rejoining'),
        (err: unknown) => options.logger.warn('cannot publish sessions again', { err: (err as Error).message }),
      );
    };
    republish();
    setTimeout(republish, options.tickMs * 2).unref();
  }

  /** Sessions of a dead node would make its users look online: the leader removes those its dead session wrote. */
  async #cleanDeadNode(nodeId: string, fence: string): Promise<void> {
    const { options } = this;
    // It may have come back (a ZooKeeper blip) between the event and now: then its sessions are real.
    if (this.isAlive(nodeId)) return;
    try {
      const removed = await options.sessions.removeNode(nodeId, fence);
      await this.#fences.forget(nodeId, fence);
      options.logger.info('removed sessions of dead node', { node: nodeId, users: removed });
    } catch (err) {
      options.logger.warn('cannot remove sessions of dead node', { node: nodeId, err: (err as Error).message });
    }
  }

  /** On taking over: nodes that died before (or while no one led). */
  async #cleanDeadNodes(): Promise<void> {
    const fences = await this.#fences.all().catch(() => ({}) as Record<string, string>);
    for (const [id, fence] of Object.entries(fences)) if (!this.isAlive(id)) await this.#cleanDeadNode(id, fence);
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#tick) clearInterval(this.#tick);
    this.relayEngine.close();
    this.hostCalls.close();
    for (const link of this.#links.values()) link.close(ClusterCloseCode.SHUTDOWN, 'node shutting down');
    await this.#server.close();
    await this.#membership?.stop();
    await this.#fences.forget(this.options.selfId, this.#fence).catch(() => undefined);
  }
}
