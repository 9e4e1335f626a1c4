/** What this node currently believes about the cluster, and what changed with each fresh read. */
import { nodeInfoOf, type Member, type NodeInfo } from './node-info.js';
import type { ElectionView } from './zk-election.js';

export interface ViewChange {
  membersChanged: boolean;
  leaderChanged: boolean;
}

export class MembershipView {
  readonly #self: NodeInfo;
  #members: Member[] = [];
  #membersKnown = false;
  #leader: NodeInfo | null = null;
  #selfIsLeader = false;
  #predecessor: string | null = null;

  constructor(self: NodeInfo) {
    this.#self = { ...self };
  }

  /** Copies, so listeners cannot change our state. */
  get members(): Member[] {
    return this.#members.map((m) => ({ ...m }));
  }

  get leader(): NodeInfo | null {
    return this.#leader && { ...this.#leader };
  }

  get selfIsLeader(): boolean {
    return this.#selfIsLeader;
  }

  get predecessor(): string | null {
    return this.#predecessor;
  }

  isAlive(id: string): boolean {
    return this.#members.some((m) => m.id === id);
  }

  /** Takes a fresh read of members (sorted by id) and election; the first update always counts as a members change. */
  update(members: Member[], election: ElectionView): ViewChange {
    const leader = election.selfIsLeader
      ? { ...this.#self }
      : election.leaderId === this.#self.id // an earlier incarnation of ours, about to expire: unknown
        ? null
        : nodeInfoOrNull(members.find((m) => m.id === election.leaderId));
    const change = {
      membersChanged: !this.#membersKnown || JSON.stringify(members) !== JSON.stringify(this.#members),
      leaderChanged: election.selfIsLeader !== this.#selfIsLeader || JSON.stringify(leader) !== JSON.stringify(this.#leader),
    };
    this.#members = members;
    this.#membersKnown = true;
    this.#leader = leader;
    this.#selfIsLeader = election.selfIsLeader;
    this.#predecessor = election.predecessor;
    return change;
  }

  /** Stops believing we lead (the leader becomes unknown); true if we did lead. */
  revokeLeadership(): boolean {
    if (!this.#selfIsLeader) return false;
    this.#selfIsLeader = false;
    this.#leader = null;
    return true;
  }

  /** Our election znode is gone with our session. */
  forgetPredecessor(): void {
    this.#predecessor = null;
  }
}

function nodeInfoOrNull(member: Member | undefined): NodeInfo | null {
  return member ? nodeInfoOf(member) : null;
}
