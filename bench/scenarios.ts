/**
 * The scenarios of a bench run, in the order they run. Each traffic has its raw relay first: it is
 * the reference that the zkchat scenarios of the same traffic are divided by.
 */

/**
 * Who talks to whom. 'pairs': user 2k sends to 2k+1 and 2k+1 to 2k (private chats). 'room': every
 * user is a member of one room; the first few members send to it, every other member receives.
 */
export type Traffic = 'pairs' | 'room';

/** What serves the users: the raw `ws` relay (bench/raw-relay.ts, in the mode of the traffic) or real chat nodes. */
export type Servers = { kind: 'raw-relay' } | { kind: 'chat-nodes'; count: number };

export interface Scenario {
  name: ScenarioName;
  description: string;
  servers: Servers;
  traffic: Traffic;
  /** The raw relay scenario of the same traffic: the ratio is this one's rate ÷ that one's. */
  reference: ScenarioName;
  /** Index (into the started servers) of the server user `user` connects to. */
  serverOf(user: number): number;
}

export const SCENARIO_NAMES = ['raw', 'same-node', 'cross-node', 'raw-room', 'room-cross-node'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'raw',
    description: 'raw ws relay (no storage, no auth cost), all users on it',
    servers: { kind: 'raw-relay' },
    traffic: 'pairs',
    reference: 'raw',
    serverOf: () => 0,
  },
  {
    name: 'same-node',
    description: 'one chat node, all users on it',
    servers: { kind: 'chat-nodes', count: 1 },
    traffic: 'pairs',
    reference: 'raw',
    serverOf: () => 0,
  },
  {
    name: 'cross-node',
    description: 'three chat nodes; each pair split over node-2 and node-3, relayed by the leader node-1',
    servers: { kind: 'chat-nodes', count: 3 },
    traffic: 'pairs',
    reference: 'raw',
    // Even users on node-2, odd ones on node-3: every message crosses node-2 → node-1 → node-3 or back.
    serverOf: (user) => 1 + (user % 2),
  },
  {
    name: 'raw-room',
    description: 'raw ws relay in room mode (each room message to every other member socket), all members on it',
    servers: { kind: 'raw-relay' },
    traffic: 'room',
    reference: 'raw-room',
    serverOf: () => 0,
  },
  {
    name: 'room-cross-node',
    description: 'three chat nodes; members split over node-2 and node-3, the room hosted by the leader node-1',
    servers: { kind: 'chat-nodes', count: 3 },
    traffic: 'room',
    reference: 'raw-room',
    // Even members (sender 0 among them) on node-2, odd ones on node-3, none on the host: every message
    // goes sender's node → node-1 (stored) → one relay to each of node-2 and node-3 → their members.
    serverOf: (user) => 1 + (user % 2),
  },
];

export function isChatNodes(servers: Servers): servers is { kind: 'chat-nodes'; count: number } {
  return servers.kind === 'chat-nodes';
}
