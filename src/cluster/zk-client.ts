/**
 * Promise wrappers around node-zookeeper-client 1.1.3, plus the workarounds its quirks need.
 * Every call settles exactly once; ZooKeeper errors become rejections with a numeric `code`.
 */
import zookeeper from 'node-zookeeper-client';
import type { Client, Event as ZkEvent, Exception, Stat, State, Transaction } from 'node-zookeeper-client';

export type ZkClient = Client;
export type ZkWatcher = (event: ZkEvent) => void;
export type { Stat as ZkStat, State as ZkStateValue };

export const ZkState = zookeeper.State;
export const CreateMode = zookeeper.CreateMode;
export const ZkErrorCode = {
  CONNECTION_LOSS: zookeeper.Exception.CONNECTION_LOSS,
  SESSION_EXPIRED: zookeeper.Exception.SESSION_EXPIRED,
  NO_NODE: zookeeper.Exception.NO_NODE,
  NODE_EXISTS: zookeeper.Exception.NODE_EXISTS,
} as const;

/** The ZooKeeper error code of `err` (the library's Exception objects carry one), if any. */
export function zkErrorCode(err: unknown): number | undefined {
  return err instanceof zookeeper.Exception ? err.getCode() : undefined;
}

/** Lost connection or session: expected while ZooKeeper is away; the state handlers deal with it. */
export function isConnectionError(err: unknown): boolean {
  const code = zkErrorCode(err);
  return code === ZkErrorCode.CONNECTION_LOSS || code === ZkErrorCode.SESSION_EXPIRED;
}

export interface ConnectOptions {
  connect: string;
  sessionTimeoutMs: number;
  /** Give up (and close the client) if no session is established within this time. */
  timeoutMs: number;
  signal: AbortSignal;
}

/**
 * Connects a new client. The library itself never gives up on an unreachable ensemble (it retries
 * forever and reports nothing), so the deadline is ours.
 */
export function connectClient({ connect, sessionTimeoutMs, timeoutMs, signal }: ConnectOptions): Promise<Client> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error(`connecting to ZooKeeper at ${connect} aborted`));
    // spinDelay: pause between rounds of reconnect attempts; the default (1 s) is slow next to short session timeouts.
    const client = zookeeper.createClient(connect, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 0 });
    const settle = (err: Error | null) => {
      clearTimeout(timer);
      client.removeListener('state', onState);
      signal.removeEventListener('abort', onAbort);
      if (!err) return resolve(client);
      closeQuietly(client);
      reject(err);
    };
    const onState = (state: State) => {
      if (state === ZkState.SYNC_CONNECTED) settle(null);
      else if (state === ZkState.EXPIRED || state === ZkState.AUTH_FAILED) settle(new Error(`ZooKeeper at ${connect} refused the session (${state.name})`));
    };
    const onAbort = () => settle(new Error(`connecting to ZooKeeper at ${connect} aborted`));
    const timer = setTimeout(() => settle(new Error(`ZooKeeper unreachable at ${connect}: no session within ${timeoutMs} ms`)), timeoutMs);
    client.on('state', onState);
    signal.addEventListener('abort', onAbort, { once: true });
    client.connect();
  });
}

const closed = new WeakSet<Client>();

/**
 * Closes a client in any state without throwing or crashing. Two 1.1.3 bugs: close() throws if
 * called in the same tick as connect() (no socket yet); and closing a client whose session is not
 * established yet sends the close request with xid 0, so when the server answers the handshake the
 * client takes the connect response for the reply to it and throws "Unknown code" from its socket
 * handler: an uncaught exception that kills the process. With a nonzero xid it discards that
 * response instead and stays closed. The field is internal; the dependency is pinned to 1.1.3.
 */
export function closeQuietly(client: Client): void {
  if (closed.has(client)) return; // a second close() would queue a second close request
  closed.add(client);
  const manager: unknown = Reflect.get(client, 'connectionManager');
  if (typeof manager === 'object' && manager !== null && Reflect.get(manager, 'xid') === 0) Reflect.set(manager, 'xid', 1);
  try {
    client.close();
  } catch {
    // nothing left to release
  }
}

/**
 * Closes the session (the server then drops its ephemeral nodes at once) and waits for the socket
 * to go, at most `waitMs`. The library's close() takes no callback; its last state event is DISCONNECTED.
 */
export function closeClient(client: Client, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.removeListener('disconnected', done);
      resolve();
    };
    const timer = setTimeout(done, waitMs);
    client.once('disconnected', done);
    closeQuietly(client);
  });
}

type Callback<T> = (error: Error | Exception | null, value: T) => void;

function call<T>(start: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value))));
}

export function mkdirp(client: Client, path: string): Promise<string> {
  return call((cb) => client.mkdirp(path, cb));
}

/** The children's names; with `watcher`, a one-shot children watch is (re)armed. */
export function getChildren(client: Client, path: string, watcher?: ZkWatcher): Promise<string[]> {
  return call((cb) => (watcher ? client.getChildren(path, watcher, cb) : client.getChildren(path, cb)));
}

/** The node's data and stat, or null if it does not exist. */
export async function getData(client: Client, path: string): Promise<{ data: Buffer | null; stat: Stat } | null> {
  try {
    return await new Promise((resolve, reject) =>
      client.getData(path, (error, data: Buffer | null, stat) => (error ? reject(error) : resolve({ data, stat }))),
    );
  } catch (err) {
    if (zkErrorCode(err) === ZkErrorCode.NO_NODE) return null;
    throw err;
  }
}

/** The node's stat or null; with `watcher`, a one-shot watch fires when it is deleted (or created). */
export function exists(client: Client, path: string, watcher?: ZkWatcher): Promise<Stat | null> {
  // The typings say Stat, but the library passes null for a missing node.
  return call<Stat | null>((cb) => (watcher ? client.exists(path, watcher, cb) : client.exists(path, cb)));
}

/** Commits a multi-op transaction; resolves with the created paths in op order (null for other ops). */
export function commit(transaction: Transaction): Promise<(string | null)[]> {
  return new Promise((resolve, reject) =>
    transaction.commit((error, results: unknown) => {
      if (error) return reject(error);
      const list: unknown[] = Array.isArray(results) ? results : [];
      resolve(list.map((r) => (typeof r === 'object' && r !== null && 'path' in r && typeof r.path === 'string' ? r.path : null)));
    }),
  );
}
