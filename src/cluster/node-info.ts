/** What the cluster's ZooKeeper layout holds: where it lives, and what each member znode says. */

/** A node's address card, the data of its member znode `<root>/nodes/<id>`. */
export interface NodeInfo {
  id: string;
  clientUrl: string;
  clusterUrl: string;
}

/**
 * A live member as read from ZooKeeper: its card and the ZooKeeper session owning its znode (hex).
 * What a node writes to Redis carries that session id, so the leader's clean-up after the node's
 * death cannot remove what the same node wrote after it registered again under a new session.
 */
export interface Member extends NodeInfo {
  session: string;
}

export interface ZkPaths {
  nodes: string;
  election: string;
}

export function zkPaths(root: string): ZkPaths {
  const base = root.replace(/\/+$/, '');
  return { nodes: `${base}/nodes`, election: `${base}/election` };
}

/** Parses a member znode's data; null (and the member is skipped) if it is not a NodeInfo. */
export function decodeNodeInfo(data: Buffer | null): NodeInfo | null {
  try {
    const value: unknown = JSON.parse(data?.toString('utf8') ?? '');
    if (typeof value !== 'object' || value === null) return null;
    const { id, clientUrl, clusterUrl } = value as Record<string, unknown>;
    if (typeof id !== 'string' || typeof clientUrl !== 'string' || typeof clusterUrl !== 'string') return null;
    return { id, clientUrl, clusterUrl };
  } catch {
    return null;
  }
}

/** Just the card, without anything a reader added. */
export function nodeInfoOf(node: NodeInfo): NodeInfo {
  return { id: node.id, clientUrl: node.clientUrl, clusterUrl: node.clusterUrl };
}

/**
 * A URL a WebSocket client can open: ws: or wss:, with a host, and neither credentials nor a
 * fragment (which WebSocket clients refuse).
 */
export function isWebSocketUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '' && url.username === '' && url.password === '' && url.hash === '';
  } catch {
    return false;
  }
}

/** Where clients open their WebSocket: the configured PUBLIC_URL, else the node's own host and client port. */
export function clientUrlOf(publicUrl: string | null, publicHost: string, clientPort: number): string {
  return publicUrl ?? `ws://${publicHost}:${clientPort}`;
}
