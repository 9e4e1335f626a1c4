/**
 * One ZooKeeper session with this node's registration. Opening is all or nothing: if connecting or
 * registering fails, the new session is closed, which drops whatever it had created.
 */
import type { Logger } from '../../core/logger.js';
import type { NodeInfo, ZkPaths } from './node-info.js';
import { closeClient, closeQuietly, connectClient, ZkState, type ZkClient, type ZkStateValue, type ZkWatcher } from './zk-client.js';
import { withTimeout } from '../../core/with-timeout.js';
import { LivenessProbe } from './zk-liveness.js';
import { deregister, register, type Registration } from './zk-registration.js';

export interface SessionOptions {
  connect: string;
  sessionTimeoutMs: number;
  paths: ZkPaths;
  self: NodeInfo;
  logger: Logger;
  /** Aborting closes a session that is still opening. */
  signal: AbortSignal;
}

/** Everything a session reports, with the session, so that reports of replaced sessions can be ignored. */
export interface SessionHandlers {
  state(session: ZkSession, state: ZkStateValue): void;
  /** A watched znode changed (membership or election predecessor). */
  changed(session: ZkSession): void;
  silent(session: ZkSession, silentMs: number): void;
  answering(session: ZkSession): void;
  dead(session: ZkSession, silentMs: number): void;
}

export class ZkSession {
  readonly client: ZkClient;
  readonly registration: Registration;
  readonly liveness: LivenessProbe;
  /** One stable watcher function: the library drops duplicate registrations of the same function. */
  readonly onChange: ZkWatcher;
  readonly #paths: ZkPaths;
  connected = true;
  /** A membership read is running / another one was asked for meanwhile. */
  syncing = false;
  syncAgain = false;

  static async open(options: SessionOptions, handlers: SessionHandlers): Promise<ZkSession> {
    const { connect, sessionTimeoutMs, signal } = options;
    const deadlineMs = sessionTimeoutMs * 2;
    const client = await connectClient({ connect, sessionTimeoutMs, timeoutMs: deadlineMs, signal });
    const onAbort = () => closeQuietly(client); // pending requests then fail at once
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const registration = await withTimeout(register(client, options.paths, options.self, options.logger), deadlineMs, `registering with ZooKeeper at ${connect} timed out`);
      if (signal.aborted) throw new Error('membership stopped while registering');
      if (client.getState() !== ZkState.SYNC_CONNECTED) throw new Error('ZooKeeper connection lost while registering');
      return new ZkSession(client, registration, options.paths, handlers);
    } catch (err) {
      closeQuietly(client);
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private constructor(client: ZkClient, registration: Registration, paths: ZkPaths, handlers: SessionHandlers) {
    this.client = client;
    this.registration = registration;
    this.#paths = paths;
    this.onChange = () => handlers.changed(this);
    this.liveness = new LivenessProbe(client, paths.nodes, client.getSessionTimeout(), {
      silent: (silentMs) => handlers.silent(this, silentMs),
      answering: () => handlers.answering(this),
      dead: (silentMs) => handlers.dead(this, silentMs),
    });
    client.on('state', (state) => handlers.state(this, state));
  }

  /** As negotiated with the server. */
  get timeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** Removes our znodes (if ZooKeeper is reachable) and closes the session, waiting at most about `waitMs`. */
  async close(waitMs: number, logger: Logger): Promise<void> {
    const reachable = this.connected && !this.liveness.silent;
    this.liveness.stop();
    if (!reachable) return closeQuietly(this.client); // the server drops our znodes with the session
    try {
      await withTimeout(deregister(this.client, this.#paths, this.registration), waitMs, 'removing our znodes timed out');
    } catch (err) {
      logger.warn('could not remove our znodes; closing the session removes them', { err });
    }
    await closeClient(this.client, waitMs);
  }

  /** Drops a session that is lost anyway (expired, or ZooKeeper stopped serving it). */
  abandon(): void {
    this.liveness.stop();
    closeQuietly(this.client);
  }
}
