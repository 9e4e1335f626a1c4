/** Three chat nodes (the first leads) and a gateway in front of them, for the measures that kill a node. */
import { startCluster, startGateway, stopServers, type Server } from '../servers.js';
import type { MeasureContext } from './measure.js';
import { sleep, zkRootOf } from './ops-harness.js';

export const CLUSTER_NODES = 3;
/** How long the leader may take to list every node for the gateway. */
const LISTED_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

/** Resolves once the gateway's server list holds `count` nodes. */
async function waitListed(gateway: Server, count: number): Promise<void> {
  const deadline = Date.now() + LISTED_TIMEOUT_MS;
  for (;;) {
    const body = (await fetch(new URL('/servers', gateway.url)).then((r) => r.json(), () => null).catch(() => null)) as { servers?: unknown[] } | null;
    if ((body?.servers?.length ?? 0) >= count) return;
    if (Date.now() > deadline) throw new Error(`the gateway did not list ${count} nodes within ${LISTED_TIMEOUT_MS / 1000} s`);
    await sleep(POLL_MS);
  }
}

/** Starts the nodes `<tag>-1` … (the first leads) and a gateway, runs `body`, stops them all (a node killed by `body` included). */
export async function withCluster<T>(context: MeasureContext, tag: string, body: (nodes: Server[], gateway: Server) => Promise<T>): Promise<T> {
  const names = Array.from({ length: CLUSTER_NODES }, (_, i) => `${tag}-${i + 1}`);
  const nodes = await startCluster(names, { ...context.chatEnv, zkRoot: zkRootOf(context.settings, tag) });
  const started: Server[] = [...nodes];
  try {
    const gateway = await startGateway(`${tag}-gateway`, context.chatEnv.redisPrefix);
    started.push(gateway);
    await waitListed(gateway, nodes.length);
    return await body(nodes, gateway);
  } finally {
    await stopServers(started);
  }
}
