/**
 * Cluster membership and leader election on ZooKeeper.
 *
 * Znodes (see zk-registration.ts): `<root>/nodes/<id>` (ephemeral, NodeInfo JSON) and
 * `<root>/election/n_<seq>` (ephemeral sequential, data = id), created and removed together.
 *
 * Who leads: a node leads only while it holds the lowest election znode as just read from
 * ZooKeeper; every other candidate exists-watches only its predecessor (zk-election.ts).
 *
 * Who the leader is (for the others): every node already watches the children of `<root>/nodes`,
 * and since member and election znodes are created and deleted atomically with the same session,
 * every change of the candidates is also a membership change. So on each membership event we
 * re-read the election children once and read the lowest one's data. That costs no extra watch:
 * no one watches the election directory, each election znode is watched by its successor only, so
 * the election stays herd-free (a leader's departure wakes its successor through the predecessor
 * watch, and everyone else through the membership watch they need anyway).
 */
import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../core/logger.js';
import { isConnectionError, ZkState, type ZkStateValue } from './zk-client.js';
import { withTimeout } from '../../core/with-timeout.js';
import { readElection, type ElectionView } from './zk-election.js';
import { zkPaths, type Member, type NodeInfo, type ZkPaths } from './node-info.js';
import { readMembers } from './zk-registration.js';
import { ZkSession, type SessionHandlers } from './zk-session.js';
import { MembershipView } from './zk-view.js';

export interface MembershipOptions {
  /** ZooKeeper connect string, e.g. `127.0.0.1:2181`. */
  connect: string;
  /** Parent of `nodes` and `election`, e.g. `/zkchat`. */
  root: string;
  self: NodeInfo;
  /** Requested ZooKeeper session timeout (the server may adjust it to its min/max). */
  sessionTimeoutMs: number;
  logger: Logger;
}

export type MembershipEvents = {
  /** The live members sorted by id: the first time they are known and on every change. */
  members: [members: Member[]];
  /** The leader changed; null while unknown. `isSelf` is true only for the node holding the lowest znode. */
  leader: [leader: NodeInfo | null, isSelf: boolean];
  /** The ZooKeeper session was lost (expired, or the server stopped serving it); we register again by ourselves. */
  expired: [];
  /** Registered again under a new session after `expired`. Others saw this node leave meanwhile. */
  rejoined: [];
};

const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 5_000;
const SYNC_RETRY_MS = 500;

export class ZkMembership extends EventEmitter<MembershipEvents> {
  readonly #options: MembershipOptions;
  readonly #paths: ZkPaths;
  readonly #log: Logger;
  #registrations = 0;
  readonly #view: MembershipView;
  readonly #abort = new AbortController();
  #phase: 'new' | 'running' | 'stopped' = 'new';
  #stopping: Promise<void> | null = null;
  #session: ZkSession | null = null;
  #leaderKnownWaiters: (() => void)[] = [];

  constructor(options: MembershipOptions) {
    super();
    if (!/^[A-Za-z0-9._:-]+$/.test(options.self.id) || options.self.id === '.' || options.self.id === '..') {
      throw new Error(`node id ${JSON.stringify(options.self.id)} cannot be a znode name`);
    }
    if (!options.root.startsWith('/')) throw new Error(`ZooKeeper root must be absolute, got ${JSON.stringify(options.root)}`);
    this.#options = { ...options, self: { ...options.self } };
    this.#view = new MembershipView(options.self);
    this.#paths = zkPaths(options.root);
    this.#log = options.logger.child({ component: 'zk-membership', nodeId: options.self.id });
  }

  /** Connects, registers and resolves once the members and the leader are known. */
  async start(): Promise<void> {
    if (this.#phase !== 'new') throw new Error('ZkMembership.start() can be called only once');
    this.#phase = 'running';
    try {
      const deadlineMs = this.#options.sessionTimeoutMs * 2;
      const leaderKnown = new Promise<void>((resolve) => this.#leaderKnownWaiters.push(resolve));
      await this.#openSession();
      await withTimeout(leaderKnown, deadlineMs, `no leader known within ${deadlineMs} ms at ${this.#options.connect}${this.#options.root}`);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  members(): Member[] {
    return this.#view.members;
  }

  isAlive(id: string): boolean {
    return this.#view.isAlive(id);
  }

  leader(): NodeInfo | null {
    return this.#view.leader;
  }

  /** True only while we hold the lowest election znode as last confirmed by a connected, answering ZooKeeper. */
  isLeader(): boolean {
    return this.#view.selfIsLeader;
  }

  /** True while a registered session is connected and ZooKeeper answers it (metrics, diagnostics). */
  connected(): boolean {
    const session = this.#session;
    return session !== null && session.connected && !session.liveness.silent;
  }

  /** Name of our own election znode (e.g. `n_0000000003`), null while not registered. */
  electionNode(): string | null {
    return this.#session?.registration.electionNode ?? null;
  }

  /** The election znode we watch: the one just before ours; null when leading or not registered. */
  watchedPredecessor(): string | null {
    return this.#view.predecessor;
  }

  /** Our ZooKeeper session id (hex) while registered, null between sessions. */
  sessionId(): string | null {
    return this.#session?.client.getSessionId().toString('hex') ?? null;
  }

  /** Current session id and password; for diagnostics and tests that force a session expiry. */
  sessionCredentials(): { sessionId: Buffer; password: Buffer } | null {
    const client = this.#session?.client;
    return client ? { sessionId: client.getSessionId(), password: client.getSessionPassword() } : null;
  }

  /** Removes our znodes and closes the session. Idempotent; no events after it is called. */
  stop(): Promise<void> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    this.#phase = 'stopped';
    this.#abort.abort(); // closes a session still opening
    this.#view.revokeLeadership();
    const session = this.#session;
    this.#session = null;
    await session?.close(Math.min(this.#options.sessionTimeoutMs, 2_000), this.#log);
    this.#log.info('membership stopped');
  }

  readonly #handlers: SessionHandlers = {
    state: (session, state) => this.#onState(session, state),
    changed: (session) => this.#requestSync(session),
    silent: (session, silentMs) => {
      if (session !== this.#session) return;
      this.#log.warn('ZooKeeper is not answering; not leading until it does', { silentMs });
      this.#revokeLeadership();
    },
    answering: (session) => {
      if (session !== this.#session) return;
      this.#log.info('ZooKeeper answers again');
      this.#requestSync(session);
    },
    dead: (session, silentMs) => this.#onSessionLost(session, `no answer for ${silentMs} ms`),
  };

  async #openSession(): Promise<void> {
    const { connect, sessionTimeoutMs, self } = this.#options;
    const options = { connect, sessionTimeoutMs, self, paths: this.#paths, logger: this.#log, signal: this.#abort.signal };
    const session = await ZkSession.open(options, this.#handlers);
    if (this.#phase !== 'running') {
      session.abandon();
      throw new Error('membership stopped while connecting');
    }
    this.#session = session;
    const { electionNode } = session.registration;
    this.#log.info('registered in ZooKeeper', { electionNode, session: session.client.getSessionId().toString('hex'), sessionTimeoutMs: session.timeoutMs });
    this.#requestSync(session);
    if (this.#registrations++ > 0) this.#emit('rejoined');
  }

  #onState(session: ZkSession, state: ZkStateValue): void {
    if (session !== this.#session) return; // a replaced or closed session still reports its own closing
    if (state === ZkState.SYNC_CONNECTED) {
      session.connected = true;
      this.#log.info('ZooKeeper connection restored');
      this.#requestSync(session);
    } else if (state === ZkState.DISCONNECTED) {
      session.connected = false;
      this.#log.warn('ZooKeeper connection lost; not leading until it is back');
      this.#revokeLeadership();
    } else if (state === ZkState.EXPIRED || state === ZkState.AUTH_FAILED) {
      this.#onSessionLost(session, state.name);
    }
  }

  /**
   * Only our own leadership is revoked: it needs the lowest znode confirmed by ZooKeeper. Our view of
   * another leader stays until ZooKeeper says otherwise; that leader steps down by itself if it must.
   */
  #revokeLeadership(): void {
    if (this.#view.revokeLeadership()) this.#emit('leader', null, false);
  }

  #onSessionLost(session: ZkSession, reason: string): void {
    if (session !== this.#session) return;
    this.#session = null;
    session.abandon();
    this.#view.forgetPredecessor();
    this.#revokeLeadership();
    this.#log.warn('ZooKeeper session lost; registering again', { reason });
    this.#emit('expired');
    void this.#registerAgain();
  }

  async #registerAgain(): Promise<void> {
    for (let delayMs = RETRY_MIN_MS; this.#phase === 'running'; delayMs = Math.min(delayMs * 2, RETRY_MAX_MS)) {
      try {
        return await this.#openSession();
      } catch (err) {
        if (this.#phase !== 'running') return;
        const retryInMs = Math.round(delayMs * (0.8 + Math.random() * 0.4));
        this.#log.warn('registering again failed; will retry', { err, retryInMs });
        await sleep(retryInMs, undefined, { signal: this.#abort.signal }).catch(() => undefined);
      }
    }
  }

  /** Watches fire in bursts; one read runs at a time and one more follows if anything fired meanwhile. */
  #requestSync(session: ZkSession): void {
    if (session !== this.#session) return;
    if (session.syncing) {
      session.syncAgain = true;
      return;
    }
    session.syncing = true;
    session.syncAgain = false;
    this.#sync(session)
      .catch((err: unknown) => {
        // After a lost connection the reconnect (or the expiry) triggers the next read.
        if (isConnectionError(err)) return this.#log.debug('reading membership interrupted', { err });
        this.#log.warn('reading membership from ZooKeeper failed; retrying', { err });
        setTimeout(() => this.#requestSync(session), SYNC_RETRY_MS).unref();
      })
      .finally(() => {
        session.syncing = false;
        if (session.syncAgain) this.#requestSync(session);
      });
  }

  async #sync(session: ZkSession): Promise<void> {
    const members = await readMembers(session.client, this.#paths, session.onChange, this.#log);
    const election = await readElection(session.client, this.#paths.election, session.registration.electionNode, session.onChange);
    // Answers that arrive while we doubt the connection are not trusted for leadership; the next read after it recovers is.
    if (session !== this.#session || !session.connected || session.liveness.silent) return;
    this.#apply(members, election);
  }

  #apply(members: Member[], election: ElectionView): void {
    if (!election.selfIsLeader && election.predecessor === null) {
      this.#log.warn('our election znode is gone; is another process using this node id?');
    }
    const { membersChanged, leaderChanged } = this.#view.update(members, election);
    // Members first: a new leader acts on the member list it has been given.
    if (membersChanged) {
      this.#log.debug('members changed', { members: members.map((m) => m.id) });
      this.#emit('members', this.#view.members);
    }
    const leader = this.#view.leader;
    if (leaderChanged) {
      this.#log.info('leader changed', { leader: leader?.id ?? null, isSelf: election.selfIsLeader });
      this.#emit('leader', leader, election.selfIsLeader);
    }
    if (leader) for (const resolve of this.#leaderKnownWaiters.splice(0)) resolve();
  }

  #emit<K extends keyof MembershipEvents>(event: K, ...args: MembershipEvents[K]): void {
    if (this.#phase !== 'running') return;
    try {
      // EventEmitter<T>.emit cannot be called with a generic K; this is the same call, typed per event.
      (this.emit as (event: K, ...args: MembershipEvents[K]) => boolean).call(this, event, ...args);
    } catch (err) {
      // A throwing listener must not break the ZooKeeper client's event loop.
      this.#log.error('a membership listener threw', { event, err });
    }
  }
}
