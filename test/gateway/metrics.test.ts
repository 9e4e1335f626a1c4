import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { silentLogger } from '../../core/logger.js';
import { loadGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/http-server.js';
import type { ServerEntry } from '../../src/gateway/server-list.js';
import { eventually } from '../helpers/cluster.js';
import { testServices } from '../helpers/services-env.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

/** An in-process gateway on a free port, with `entries` in its own server list. */
async function startGateway(t: ExecutionContext, env: Record<string, string>, entries: ServerEntry[] = []): Promise<number> {
  const services = testServices();
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', REDIS_URL: services.redisUrl, REDIS_PREFIX: services.redisPrefix, ...env });
  const redis = new Redis(services.redisUrl);
  const key = `${config.redisPrefix}servers`;
  t.teardown(async () => {
    await redis.del(key);
    redis.disconnect();
  });
  for (const e of entries) await redis.hset(key, e.id, JSON.stringify(e));
  const gateway = new Gateway(config, silentLogger);
  t.teardown(() => gateway.stop());
  return gateway.start();
}

function entry(id: string, ageMs: number): ServerEntry {
  return { id, clientUrl: `ws://${id}.test:4101`, role: 'follower', connections: 0, updatedAt: Date.now() - ageMs };
}

async function get(port: number, path: string): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('GET /metrics answers Prometheus text: requests by path and status, and the server list size', async (t) => {
  const port = await startGateway(t, {}, [entry('node-a', 0), entry('node-b', 0), entry('node-old', 60_000)]);
  t.is((await get(port, '/server')).status, 200);
  t.is((await get(port, '/server')).status, 200);
  t.is((await get(port, '/no/such/path')).status, 404);

  const { status, type, text } = await get(port, '/metrics');
  t.is(status, 200);
  t.regex(type, /^text\/plain; version=0\.0\.4/);
  t.is(sample(text, 'zkchat_gateway_requests_total{path="/server",status="200"}'), 2);
  t.is(sample(text, 'zkchat_gateway_requests_total{path="other",status="404"}'), 1, 'unknown paths share one label');
  t.is(sample(text, 'zkchat_gateway_servers{state="listed"}'), 3);
  t.is(sample(text, 'zkchat_gateway_servers{state="live"}'), 2);
  t.is(sample(text, 'zkchat_gateway_redis_up'), 1);
  t.regex(text, /^process_resident_memory_bytes /m);

  // The scrape itself is counted (by the next one).
  t.is(sample((await get(port, '/metrics')).text, 'zkchat_gateway_requests_total{path="/metrics",status="200"}'), 1);
});

test('with Redis down the scrape still answers: redis_up 0 and no server counts', async (t) => {
  const relay = await startTcpProxy(t, testServices().redisUrl);
  const port = await startGateway(t, { REDIS_URL: `redis://${relay.address}`, CONNECT_TIMEOUT_MS: '500' }, [entry('node-a', 0)]);
  t.is(sample((await get(port, '/metrics')).text, 'zkchat_gateway_redis_up'), 1);
  relay.cut();
  const { status, text } = await eventually(async () => {
    const scraped = await get(port, '/metrics');
    return sample(scraped.text, 'zkchat_gateway_redis_up') === 0 ? scraped : undefined;
  }, 10_000, 'redis_up to go to 0');
  t.is(status, 200);
  t.is(sample(text, 'zkchat_gateway_servers{state="listed"}'), undefined);
});

test('GATEWAY_METRICS=off: /metrics is an unknown path', async (t) => {
  const port = await startGateway(t, { GATEWAY_METRICS: 'off' });
  t.is((await get(port, '/metrics')).status, 404);
});
