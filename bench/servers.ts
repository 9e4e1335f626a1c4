/**
 * Starts the servers of a scenario (the raw relay or chat nodes), learns their port from their
 * log, echoes their warnings, and notices when one dies.
 */
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describeExit, spawnTracked, stopProcess, type Tracked } from './processes.js';
import type { Traffic } from './scenarios.js';

const RAW_RELAY_MAIN = fileURLToPath(new URL('./raw-relay.js', import.meta.url));
const CHAT_NODE_MAIN = fileURLToPath(new URL('../src/node/main.js', import.meta.url));
const GATEWAY_MAIN = fileURLToPath(new URL('../src/gateway/main.js', import.meta.url));

/** A server's warn/error lines echoed to stderr, at most this many per process. */
const ECHO_MAX = 5;
const LISTEN_TIMEOUT_MS = 60_000;

export interface Server {
  name: string;
  url: string;
  /** http:// address of its push API (chat nodes given an ADMIN_TOKEN, the raw relay in push mode), else null. */
  adminUrl: string | null;
  process: Tracked;
  /** Resolves once the server logged a line with this `msg` (also if it did so already). */
  logged(msg: string, timeoutMs: number): Promise<void>;
}

interface LogLine {
  level?: unknown;
  msg?: unknown;
  clientPort?: unknown;
  adminPort?: unknown;
  /** The gateway's one port. */
  port?: unknown;
}

function startServer(name: string, main: string, env: NodeJS.ProcessEnv, stdin: 'ignore' | 'pipe', nodeArgs: readonly string[] = []): Promise<Server> {
  // Inherits main's CPU affinity: CPU 0 under scripts/bench.sh.
  const proc = spawnTracked(name, process.execPath, [...nodeArgs, main], { env, stdio: [stdin, 'pipe', 'inherit'] });
  const seen = new Set<string>();
  const waiters: { msg: string; resolve: () => void }[] = [];
  let echoed = 0;
  let onPort: (port: number, adminPort: number | null) => void = () => undefined;

  // Keep reading stdout for the whole life of the process: a full pipe would block the server.
  createInterface({ input: proc.child.stdout! }).on('line', (line) => {
    let parsed: LogLine;
    try {
      parsed = JSON.parse(line) as LogLine;
    } catch {
      return;
    }
    if (typeof parsed.msg !== 'string') return;
    if ((parsed.level === 'warn' || parsed.level === 'error') && !proc.stopping) {
      if (echoed < ECHO_MAX) process.stderr.write(`bench: ${name}: ${line}\n`);
      else if (echoed === ECHO_MAX) process.stderr.write(`bench: ${name}: (further warnings not shown)\n`);
      echoed++;
    }
    if (typeof parsed.clientPort === 'number' && parsed.msg.endsWith('listening')) onPort(parsed.clientPort, typeof parsed.adminPort === 'number' ? parsed.adminPort : null);
    else if (typeof parsed.port === 'number' && parsed.msg === 'gateway listening') onPort(parsed.port, null);
    seen.add(parsed.msg);
    for (const w of waiters.filter((w) => w.msg === parsed.msg)) w.resolve();
  });

  const logged = (msg: string, timeoutMs: number) =>
    new Promise<void>((resolve, reject) => {
      if (seen.has(msg)) return resolve();
      const timer = setTimeout(() => reject(new Error(`${name} did not log "${msg}" within ${timeoutMs / 1000} s`)), timeoutMs);
      waiters.push({ msg, resolve: () => (clearTimeout(timer), resolve()) });
      void proc.exited.then((info) => reject(new Error(`${name} ${describeExit(info)} before logging "${msg}"`)));
    });

  return new Promise<Server>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} did not start listening within ${LISTEN_TIMEOUT_MS / 1000} s`));
      void stopProcess(proc);
    }, LISTEN_TIMEOUT_MS);
    onPort = (port, adminPort) => {
      clearTimeout(timer);
      resolve({ name, url: `ws://127.0.0.1:${port}`, adminUrl: adminPort === null ? null : `http://127.0.0.1:${adminPort}`, process: proc, logged });
    };
    void proc.exited.then((info) => {
      clearTimeout(timer);
      reject(new Error(`${name} ${describeExit(info)} before listening`));
    });
  });
}

/** The raw relay in the mode of a traffic: private messages ('pairs'), one room's fan-out ('room'), or pushes over HTTP ('push'). */
export function startRawRelay(mode: Traffic | 'push'): Promise<Server> {
  // Its stdin is a pipe from main, so it can stop by itself when main is gone, however it went.
  return startServer('raw-relay', RAW_RELAY_MAIN, { ...process.env, RAW_RELAY_MODE: mode }, 'pipe', nodeArgs());
}

/** What every chat node of a run shares, and what is unique per scenario (zkRoot). */
export interface ChatNodeEnv {
  clusterSecret: string;
  redisPrefix: string;
  mongoDb: string;
  zkRoot: string;
}

/** `extraEnv`: settings on top of the bench's (e.g. ADMIN_PORT and ADMIN_TOKEN for the push measures). */
export function startChatNode(nodeId: string, shared: ChatNodeEnv, extraEnv: NodeJS.ProcessEnv = {}): Promise<Server> {
  return startServer(nodeId, CHAT_NODE_MAIN, {
    ...process.env,
    CLUSTER_SECRET: shared.clusterSecret,
    REDIS_PREFIX: shared.redisPrefix,
    MONGO_DB: shared.mongoDb,
    ZK_ROOT: shared.zkRoot,
    NODE_ID: nodeId,
    CLIENT_PORT: '0',
    CLUSTER_PORT: '0',
    LOG_LEVEL: 'info',
    // Saturation is the point: no per-connection limit may be what stops the load, and every user of
    // the bench logs in from the one loopback address, within a minute or two.
    RATE_LIMIT_PER_SEC: '100000',
    RATE_LIMIT_BURST: '100000',
    LOGIN_ATTEMPTS_PER_USER: '1000000',
    LOGIN_ATTEMPTS_PER_IP: '1000000',
    MAX_CONNECTIONS_PER_IP: '1000000',
    ARCHIVE_MAX_BACKLOG: '5000000',
    MAX_PENDING_REQUESTS: '1000',
    ...extraEnv,
  }, 'ignore', nodeArgs());
}

/** The HTTP gateway of the chat nodes sharing `redisPrefix` (it reads their server list from Redis); its `url` is http://. */
export async function startGateway(name: string, redisPrefix: string): Promise<Server> {
  const server = await startServer(name, GATEWAY_MAIN, { ...process.env, REDIS_PREFIX: redisPrefix, GATEWAY_PORT: '0', LOG_LEVEL: 'info' }, 'ignore');
  return { ...server, url: server.url.replace(/^ws:/, 'http:') };
}

/** Starts chat nodes, the first before the others (it leads); with followers, waits until the leader linked them. */
export async function startCluster(names: readonly string[], shared: ChatNodeEnv, extraEnv: NodeJS.ProcessEnv = {}): Promise<Server[]> {
  const servers: Server[] = [];
  try {
    // The first one leads (it registered in ZooKeeper before it logged "listening"); the followers
    // can then start together, which keeps each scenario's set-up short.
    const [first, ...followers] = names;
    if (first === undefined) return servers;
    servers.push(await startChatNode(first, shared, extraEnv));
    const started = await Promise.allSettled(followers.map((name) => startChatNode(name, shared, extraEnv)));
    for (const result of started) if (result.status === 'fulfilled') servers.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all(servers.slice(1).map((s) => s.logged('cluster peer connected', 30_000)));
    if (servers.length > 1) await new Promise((resolve) => setTimeout(resolve, 500));
    return servers;
  } catch (err) {
    await stopServers(servers);
    throw err;
  }
}

export async function stopServers(servers: readonly Server[]): Promise<void> {
  await Promise.all(servers.map((s) => stopProcess(s.process)));
}

/** Rejects as soon as any of the servers exits (it was not asked to). */
export function anyDies(servers: readonly Server[]): Promise<never> {
  const died = Promise.race(servers.map((s) => s.process.exited.then((info) => Promise.reject(new Error(`${s.name} ${describeExit(info)}`)))));
  // Whoever races this sees the rejection; once servers are stopped on purpose, no one listens.
  died.catch(() => undefined);
  return died;
}

/** BENCH_NODE_ARGS: extra Node.js options for the chat nodes and the raw relay, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
function nodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
}
