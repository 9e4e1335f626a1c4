import type { ExecutionContext } from 'ava';
import { nodeEnv, testServices, type TestServices } from './services-env.js';
import { spawnNode, type RunningProcess } from './spawn.js';

export interface ClusterNode {
  id: string;
  clientPort: number;
  clusterPort: number;
  /** The push API's port; 0 when the node runs without ADMIN_TOKEN. */
  adminPort: number;
  proc: RunningProcess;
}

export interface TestCluster {
  services: TestServices;
  nodes: ClusterNode[];
  gatewayPort: number;
  gateway: RunningProcess;
  /** Starts one more node process with the next id. */
  addNode(): Promise<ClusterNode>;
}

/** Fast timings so failover tests take seconds, not minutes. */
export const FAST_CLUSTER_ENV = {
  ZK_SESSION_TIMEOUT_MS: '2000',
  CLUSTER_TICK_MS: '100',
  RELAY_TIMEOUT_MS: '4000',
  SERVER_STALE_MS: '1500',
  LOG_LEVEL: 'info',
  // The failover test sends as fast as replies come back.
  RATE_LIMIT_PER_SEC: '500',
  RATE_LIMIT_BURST: '500',
};

export interface ClusterOptions {
  /** Settings for every node and the gateway, on top of FAST_CLUSTER_ENV. */
  env?: Record<string, string>;
  /** Settings of one node, by id (`node-1`, …). */
  nodeEnv?: (id: string) => Record<string, string>;
  /** Runs before any process starts, e.g. to write data the leader loads when it takes over. */
  beforeStart?: (services: TestServices) => Promise<void>;
}

/**
 * Spawns a gateway and `count` chat nodes as separate processes sharing one set of services.
 * Nodes start one after another, so the first is the leader. Everything is killed at teardown.
 */
export async function startCluster(t: ExecutionContext, count: number, options: ClusterOptions = {}): Promise<TestCluster> {
  const services = testServices();
  await options.beforeStart?.(services);
  const shared = { ...FAST_CLUSTER_ENV, ...options.env };
  const nodes: ClusterNode[] = [];
  const addNode = async (): Promise<ClusterNode> => {
    const id = `node-${nodes.length + 1}`;
    const proc = spawnNode(t, 'dist/src/node/main.js', nodeEnv(services, { ...shared, NODE_ID: id, ...options.nodeEnv?.(id) }));
    const log = (await proc.waitForLog('chat node listening')) as { clientPort: number; clusterPort: number; adminPort: number | null };
    const node = { id, clientPort: log.clientPort, clusterPort: log.clusterPort, adminPort: log.adminPort ?? 0, proc };
    nodes.push(node);
    return node;
  };
  for (let i = 0; i < count; i++) await addNode();
  const gateway = spawnNode(t, 'dist/src/gateway/main.js', nodeEnv(services, { ...shared, GATEWAY_PORT: '0' }));
  const { port } = (await gateway.waitForLog('gateway listening')) as { port: number };
  return { services, nodes, gatewayPort: port, gateway, addNode };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function getJson<T>(port: number, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}
