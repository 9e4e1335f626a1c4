import { unavailable } from '../../core/errors.js';
import type { ChatEventData } from '../../protocol/actions.js';
import type { LocalRouter } from '../node/local-router.js';
import type { ChatRouter } from '../node/services.js';
import type { GlobalSessions } from '../session/global-sessions.js';
import type { Cluster } from './cluster.js';
import { RecentIds } from './recent-ids.js';

/**
 * Delivers to every device of the recipient: local connections directly, other nodes through
 * the leader. Resolves once every node holding a device has acknowledged.
 */
export class ClusterRouter implements ChatRouter {
  // A resend (same clientMsgId) reuses the event id; devices here already have it.
  readonly #deliveredHere = new RecentIds<true>(10_000);

  constructor(
    private readonly selfId: string,
    private readonly local: LocalRouter,
    private readonly sessions: GlobalSessions,
    private readonly cluster: Cluster,
  ) {}

  async deliver(event: ChatEventData): Promise<boolean> {
    const session = await this.sessions.get(event.to);
    const remoteNodes = session ? Object.keys(session.devices).filter((id) => id !== this.selfId && this.cluster.isAlive(id)) : [];
    const deliveredHere = this.#deliverHereOnce(event);
    if (remoteNodes.length === 0) return deliveredHere;
    if (!this.cluster.relay.hasRoom()) {
      if (deliveredHere) return true;
      throw unavailable('the cluster is busy: try again shortly');
    }
    const outcomes = await Promise.all(remoteNodes.map((node) => this.cluster.relay.send(node, event)));
    if (deliveredHere || outcomes.includes('delivered')) return true;
    if (outcomes.includes('timeout')) throw unavailable('delivery could not be confirmed: resend with the same clientMsgId');
    return false;
  }

  #deliverHereOnce(event: ChatEventData): boolean {
    if (this.#deliveredHere.get(event.id)) return true;
    const delivered = this.local.deliverLocal(event);
    if (delivered) this.#deliveredHere.add(event.id, true);
    return delivered;
  }
}
