/**
 * A node's znodes: `<root>/nodes/<id>` (ephemeral, NodeInfo JSON) and `<root>/election/n_<seq>`
 * (ephemeral sequential, data = id). Both are created in one multi-op and removed in one, so every
 * member has exactly one election znode and vice versa; membership.ts relies on that to learn
 * about leader changes from the membership watch alone.
 */
import type { Logger } from '../../core/logger.js';
import { decodeNodeInfo, type Member, type NodeInfo, type ZkPaths } from './node-info.js';
import { ELECTION_PREFIX, electionOrder } from './zk-election.js';
import { commit, CreateMode, getChildren, getData, mkdirp, ZkErrorCode, zkErrorCode, type ZkClient, type ZkStat, type ZkWatcher } from './zk-client.js';

export interface Registration {
  memberPath: string;
  /** Name (not path) of our election znode, e.g. `n_0000000004`. */
  electionNode: string;
}

const MAX_ATTEMPTS = 5;

export async function register(client: ZkClient, paths: ZkPaths, self: NodeInfo, logger: Logger): Promise<Registration> {
  await mkdirp(client, paths.nodes);
  await mkdirp(client, paths.election);
  const memberPath = `${paths.nodes}/${self.id}`;
  for (let attempt = 1; ; attempt++) {
    await removeEarlierIncarnation(client, paths, self.id, logger);
    const transaction = client
      .transaction()
      .create(`${paths.election}/${ELECTION_PREFIX}`, Buffer.from(self.id), CreateMode.EPHEMERAL_SEQUENTIAL)
      .create(memberPath, Buffer.from(JSON.stringify({ id: self.id, clientUrl: self.clientUrl, clusterUrl: self.clusterUrl })), CreateMode.EPHEMERAL);
    try {
      const [electionPath] = await commit(transaction);
      if (!electionPath) throw new Error('ZooKeeper did not return the election znode path');
      return { memberPath, electionNode: electionPath.slice(electionPath.lastIndexOf('/') + 1) };
    } catch (err) {
      // Another incarnation registered between our check and our create: clear it again.
      if (zkErrorCode(err) !== ZkErrorCode.NODE_EXISTS || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

/**
 * A member znode with our id that our session does not own belongs to an earlier run of this node
 * whose session has not expired yet (crash and quick restart). Its election znode would otherwise
 * keep a dead node as leader until that session times out, so both go now.
 */
async function removeEarlierIncarnation(client: ZkClient, paths: ZkPaths, id: string, logger: Logger): Promise<void> {
  const memberPath = `${paths.nodes}/${id}`;
  const stale = await getData(client, memberPath);
  if (!stale) return;
  const owner = stale.stat.ephemeralOwner;
  logger.warn('removing an earlier registration of this node id', { path: memberPath, staleSession: owner.toString('hex') });
  const transaction = client.transaction().remove(memberPath, stale.stat.version);
  for (const node of electionOrder(await getChildren(client, paths.election))) {
    const candidate = await getData(client, `${paths.election}/${node}`);
    if (candidate && candidate.data?.toString('utf8') === id && sameOwner(candidate.stat, owner)) transaction.remove(`${paths.election}/${node}`);
  }
  try {
    await commit(transaction);
  } catch (err) {
    // It expired (or was removed) meanwhile: the create that follows will tell if anything is left.
    if (zkErrorCode(err) !== ZkErrorCode.NO_NODE) throw err;
  }
}

function sameOwner(stat: ZkStat, owner: Buffer): boolean {
  return Buffer.compare(stat.ephemeralOwner, owner) === 0;
}

/** Removes both znodes in one step, so no one ever sees a member without its candidacy or the reverse. */
export async function deregister(client: ZkClient, paths: ZkPaths, registration: Registration): Promise<void> {
  try {
    await commit(client.transaction().remove(`${paths.election}/${registration.electionNode}`).remove(registration.memberPath));
  } catch (err) {
    if (zkErrorCode(err) !== ZkErrorCode.NO_NODE) throw err;
  }
}

/** The live members, sorted by id; a member that vanishes while being read is left out. */
export async function readMembers(client: ZkClient, paths: ZkPaths, onChange: ZkWatcher, logger: Logger): Promise<Member[]> {
  const names = await getChildren(client, paths.nodes, onChange);
  const members = await Promise.all(
    names.map(async (name) => {
      const node = await getData(client, `${paths.nodes}/${name}`);
      if (!node) return null;
      const info = decodeNodeInfo(node.data);
      if (!info || info.id !== name) logger.warn('ignoring a member znode with unexpected data', { path: `${paths.nodes}/${name}` });
      return info && info.id === name ? { ...info, session: node.stat.ephemeralOwner.toString('hex') } : null;
    }),
  );
  return members.filter((m): m is Member => m !== null).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
