import type { ExecutionContext } from 'ava';
import type { ChatClient } from '../../client/chat-client.js';
import { newChatClient } from '../../client/new-client.js';
import { resolveNodeUrl } from '../../client/server-address.js';
import { DEFAULT_CLIENT_SETTINGS, type ClientSettings } from '../../client/settings.js';
import { eventually, type TestCluster } from './cluster.js';

export interface FollowerClient {
  /** The terminal client as `npm run client` builds it, connected (not logged in) to the follower. */
  client: ChatClient;
  /** The default client settings it was built with. */
  settings: Readonly<ClientSettings>;
}

/**
 * Builds the terminal client on the cluster's gateway and connects it to the node the gateway
 * names once it knows the follower (`nodes[1]`). Closed at teardown.
 */
export async function connectToFollower(t: ExecutionContext, cluster: TestCluster): Promise<FollowerClient> {
  const gateway = `http://127.0.0.1:${cluster.gatewayPort}`;
  const settings = DEFAULT_CLIENT_SETTINGS;
  const client = newChatClient(gateway, settings);
  t.teardown(() => client.close());

  // Once the leader published the follower, the gateway sends clients there.
  const follower = `:${cluster.nodes[1]!.clientPort}`;
  const url = await eventually(
    async () => {
      const named = await resolveNodeUrl(gateway);
      return named.endsWith(follower) ? named : undefined;
    },
    15_000,
    'the gateway to name the follower',
  );
  await client.connect(url);
  return { client, settings };
}
