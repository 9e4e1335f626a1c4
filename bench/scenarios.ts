/** The scenarios of a bench run, in the order they run (the raw relay first: it is the reference). */

/** Who talks to whom. Only pairs for now: user 2k sends to 2k+1 and 2k+1 to 2k. */
export type Traffic = 'pairs';
// LATER (room fan-out / broadcast): add e.g. 'room' (every member's message goes to all members)
// and 'broadcast' here, teach closed-loop.ts to send to a room, raw-relay.ts its room mode, and
// add rows below (e.g. 'raw-room', 'room-same-node', 'room-cross-node').

/** What serves the users: the raw `ws` relay (bench/raw-relay.ts) or real chat nodes. */
export type Servers = { kind: 'raw-relay' } | { kind: 'chat-nodes'; count: number };

export interface Scenario {
  name: ScenarioName;
  description: string;
  servers: Servers;
  traffic: Traffic;
  /** Index (into the started servers) of the server user `user` connects to. */
  serverOf(user: number): number;
}

export const SCENARIO_NAMES = ['raw', 'same-node', 'cross-node'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'raw',
    description: 'raw ws relay (no storage, no auth cost), all users on it',
    servers: { kind: 'raw-relay' },
    traffic: 'pairs',
    serverOf: () => 0,
  },
  {
    name: 'same-node',
    description: 'one chat node, all users on it',
    servers: { kind: 'chat-nodes', count: 1 },
    traffic: 'pairs',
    serverOf: () => 0,
  },
  {
    name: 'cross-node',
    description: 'three chat nodes; each pair split over node-2 and node-3, relayed by the leader node-1',
    servers: { kind: 'chat-nodes', count: 3 },
    traffic: 'pairs',
    // Even users on node-2, odd ones on node-3: every message crosses node-2 → node-1 → node-3 or back.
    serverOf: (user) => 1 + (user % 2),
  },
  // LATER: room fan-out / broadcast scenarios go here (see Traffic above).
];

export function isChatNodes(servers: Servers): servers is { kind: 'chat-nodes'; count: number } {
  return servers.kind === 'chat-nodes';
}
