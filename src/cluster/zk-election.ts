/**
 * Leader election over ephemeral sequential znodes (`<election>/n_0000000007`, data = node id).
 * The lowest sequence leads; every other candidate watches only the znode just before its own,
 * so a departure wakes exactly one candidate instead of the whole herd.
 */
import { exists, getChildren, getData, type ZkClient, type ZkWatcher } from './zk-client.js';

export const ELECTION_PREFIX = 'n_';

/** ZooKeeper appends a 10-digit counter to sequential names. */
function sequenceOf(name: string): number | null {
  const match = /(\d{10})$/.exec(name);
  return match ? Number(match[1]) : null;
}

/** Election znode names in election order (lowest sequence first); foreign names are ignored. */
export function electionOrder(children: readonly string[]): string[] {
  return children
    .filter((name) => name.startsWith(ELECTION_PREFIX) && sequenceOf(name) !== null)
    .sort((a, b) => (sequenceOf(a) ?? 0) - (sequenceOf(b) ?? 0));
}

export interface ElectionView {
  /** Id of the node holding the lowest znode, null if there is none. */
  leaderId: string | null;
  /** True only if our own znode is the lowest one, as just read from ZooKeeper. */
  selfIsLeader: boolean;
  /** The znode we watch (the one just before ours), null when we lead or are not a candidate. */
  predecessor: string | null;
}

const MAX_ROUNDS = 10;

/**
 * Reads the candidates and arms the predecessor watch. If a znode vanishes between the listing and
 * the next read, the listing is stale, so it starts over (bounded: each round needs a departure).
 */
export async function readElection(client: ZkClient, dir: string, ownNode: string | null, onPredecessorGone: ZkWatcher): Promise<ElectionView> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const order = electionOrder(await getChildren(client, dir));
    const lowest = order[0];
    if (lowest === undefined) return { leaderId: null, selfIsLeader: false, predecessor: null };
    const ownIndex = ownNode === null ? -1 : order.indexOf(ownNode);
    if (ownIndex === 0) return { leaderId: null, selfIsLeader: true, predecessor: null };

    let predecessor: string | null = null;
    if (ownIndex > 0) {
      predecessor = order[ownIndex - 1] ?? null;
      if (predecessor !== null && !(await exists(client, `${dir}/${predecessor}`, onPredecessorGone))) continue;
    }
    const leader = await getData(client, `${dir}/${lowest}`);
    if (!leader) continue;
    return { leaderId: leader.data?.toString('utf8') ?? null, selfIsLeader: false, predecessor };
  }
  throw new Error(`election under ${dir} kept changing while being read`);
}
