import test from 'ava';
import { eventually, getJson, startCluster } from '../helpers/cluster.js';
import { nodeEnv, testServices } from '../helpers/services-env.js';
import { assertStartFails } from '../helpers/spawn.js';

interface ListedServer {
  id: string;
  url: string;
}

const PUBLIC_URL = 'wss://chat2.example.com/ws';

test('the gateway hands out the PUBLIC_URL of a node started with one, and ws://host:port for the others', async (t) => {
  // node-1 leads; node-2, the only follower, is the one /server picks.
  const cluster = await startCluster(t, 2, { nodeEnv: (id): Record<string, string> => (id === 'node-2' ? { PUBLIC_URL } : {}) });
  const [leader] = cluster.nodes;

  const servers = await eventually(async () => {
    const { body } = await getJson<{ servers: ListedServer[] }>(cluster.gatewayPort, '/servers');
    return body.servers.length === 2 ? body.servers : undefined;
  }, 10_000, 'both nodes in the server list');
  t.deepEqual(servers.map(({ id, url }) => ({ id, url })), [
    { id: 'node-1', url: `ws://127.0.0.1:${leader!.clientPort}` },
    { id: 'node-2', url: PUBLIC_URL },
  ]);

  const { status, body } = await getJson<ListedServer>(cluster.gatewayPort, '/server');
  t.is(status, 200);
  t.deepEqual(body, { id: 'node-2', url: PUBLIC_URL });
});

for (const bad of ['https://chat1.example.com/ws', 'chat1.example.com:443', 'wss://user:pw@chat1.example.com/', 'wss://chat1.example.com/ws#x']) {
  test(`a node refuses to start with PUBLIC_URL=${bad}, naming the variable`, async (t) => {
    await assertStartFails(t, 'dist/src/node/main.js', nodeEnv(testServices(), { PUBLIC_URL: bad }), /PUBLIC_URL must be a ws:\/\/ or wss:\/\/ URL/);
  });
}
