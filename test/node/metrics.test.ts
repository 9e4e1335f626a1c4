import test from 'ava';
import { Histogram, Registry } from 'prom-client';
import { encodedAction } from '../../src/metrics/client-metrics.js';
import { FastHistogram } from '../../src/metrics/fast-histogram.js';
import { startTestNode } from '../helpers/chat-node.js';
import { eventually } from '../helpers/cluster.js';
import { testServices } from '../helpers/services-env.js';
import { loggedInClient } from '../helpers/users.js';

const METRICS = { METRICS_PORT: '0' };

async function scrape(port: number): Promise<{ status: number; type: string; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** The value of one sample, e.g. `zkchat_frames_in_total{action="chat"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

async function sampleOf(port: number, series: string): Promise<number> {
  return sample((await scrape(port)).text, series) ?? 0;
}

const SERIES = [
  'zkchat_connections',
  'zkchat_frames_in_total',
  'zkchat_frames_out_total',
  'zkchat_errors_total',
  'zkchat_closes_total',
  'zkchat_relay_seconds',
  'zkchat_delivery_seconds',
  'zkchat_outbound_buffered_bytes',
  'zkchat_pending_requests',
  'zkchat_relay_pending',
  'zkchat_archive_backlog',
  'zkchat_zookeeper_connected',
  'zkchat_leader',
  'zkchat_redis_seconds',
  'zkchat_mongo_seconds',
];

test('/metrics answers Prometheus text with every named series, on its own port', async (t) => {
  const { node } = await startTestNode(t, METRICS);
  t.not(node.metricsPort, 0);
  t.not(node.metricsPort, node.clientPort);
  const { status, type, text } = await scrape(node.metricsPort);
  t.is(status, 200);
  t.regex(type, /^text\/plain; version=0\.0\.4/);
  for (const series of SERIES) t.regex(text, new RegExp(`^# TYPE ${series} `, 'm'), series);
  t.regex(text, /^process_cpu_user_seconds_total /m, 'the standard process series too');
  t.is(sample(text, 'zkchat_zookeeper_connected'), 1);
  t.is(sample(text, 'zkchat_leader'), 1, 'a lone node leads');
  t.is(sample(text, 'zkchat_connections{state="all"}'), 0);
  t.is(typeof sample(text, 'zkchat_archive_backlog'), 'number');

  const other = await fetch(`http://127.0.0.1:${node.metricsPort}/other`);
  t.is(other.status, 404);
  await other.text();
});

test('a chat moves the frame, connection, delivery and Redis series; an error and a close are counted by code', async (t) => {
  const { node, port } = await startTestNode(t, METRICS);
  const metricsPort = node.metricsPort;
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  const before = (await scrape(metricsPort)).text;
  t.is(sample(before, 'zkchat_connections{state="logged_in"}'), 2);
  t.is(sample(before, 'zkchat_frames_in_total{action="login"}'), 2);
  t.is(sample(before, 'zkchat_frames_in_total{action="chat"}'), undefined);

  const reply = await alice.client.request('chat', { to: bob.username, message: 'counted' });
  t.is(reply.action, 'chat');
  await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f));

  const after = (await scrape(metricsPort)).text;
  t.is(sample(after, 'zkchat_frames_in_total{action="chat"}'), 1);
  t.is(sample(after, 'zkchat_frames_out_total{action="chat"}'), 2, "alice's reply and bob's event");
  t.true((sample(after, 'zkchat_delivery_seconds_count') ?? 0) >= 1);
  t.true((sample(after, 'zkchat_redis_seconds_count{command="zkchatStoreChats"}') ?? 0) >= 1, 'the store script is timed by name');

  const missing = await alice.client.request('chat', { to: 'nobody_here_at_all', message: 'hello?' });
  t.is(missing.action, 'error');
  t.is(await sampleOf(metricsPort, 'zkchat_errors_total{code="404"}'), 1);
  t.is(await sampleOf(metricsPort, 'zkchat_frames_out_total{action="error"}'), 1);

  alice.client.close();
  await eventually(async () => ((await sampleOf(metricsPort, 'zkchat_connections{state="all"}')) === 1 ? true : undefined), 5000, 'the closed connection to go');
  const closes = (await scrape(metricsPort)).text.split('\n').filter((line) => line.startsWith('zkchat_closes_total{'));
  t.is(closes.reduce((sum, line) => sum + Number(line.split(' ')[1]), 0), 1, closes.join('; '));
});

test('the archive writer times its MongoDB inserts and the backlog drains', async (t) => {
  const { node, port } = await startTestNode(t, METRICS);
  const alice = await loggedInClient(port);
  const bob = await loggedInClient(port);
  t.teardown(() => (alice.client.close(), bob.client.close()));
  await alice.client.request('chat', { to: bob.username, message: 'to the archive' });
  const text = await eventually(async () => {
    const { text } = await scrape(node.metricsPort);
    return (sample(text, 'zkchat_mongo_seconds_count{op="archive_insert"}') ?? 0) >= 1 ? text : undefined;
  }, 10_000, 'an archive insert');
  t.is(sample(text, 'zkchat_archive_backlog'), 0);
});

test('a relay to another node is timed from send to ack, and only one node leads', async (t) => {
  const services = testServices();
  const first = await startTestNode(t, METRICS, services);
  const second = await startTestNode(t, METRICS, services);
  const alice = await loggedInClient(second.port);
  const bob = await loggedInClient(first.port);
  t.teardown(() => (alice.client.close(), bob.client.close()));

  const reply = await alice.client.request('chat', { to: bob.username, message: 'across nodes' });
  t.is(reply.action, 'chat');
  await bob.client.next((f) => f.action === 'chat' && !('replyTo' in f));
  await eventually(async () => ((await sampleOf(second.node.metricsPort, 'zkchat_relay_seconds_count')) >= 1 ? true : undefined), 10_000, 'the relay ack');
  t.is(await sampleOf(second.node.metricsPort, 'zkchat_relay_pending'), 0);
  const leaders = (await sampleOf(first.node.metricsPort, 'zkchat_leader')) + (await sampleOf(second.node.metricsPort, 'zkchat_leader'));
  t.is(leaders, 1);
});

test('metrics are off unless METRICS_PORT is set', async (t) => {
  const { node, config } = await startTestNode(t);
  t.is(config.metricsPort, null);
  t.is(node.metricsPort, 0);
});

test('FastHistogram exports exactly what a prom-client Histogram with the same observations does', async (t) => {
  const buckets = [0.001, 0.01, 0.1, 1];
  const observations: [number, string][] = [[0.0005, 'get'], [0.001, 'get'], [0.05, 'set'], [3, 'get'], [0.2, 'set']];
  for (const label of ['command', undefined]) {
    const fast = new Registry();
    const reference = new Registry();
    const histogram = new FastHistogram(fast, { name: 'x_seconds', help: 'h', buckets, label });
    const expected = new Histogram({ name: 'x_seconds', help: 'h', buckets, labelNames: label ? [label] : [], registers: [reference] });
    for (const [value, key] of observations) {
      histogram.record(value, key);
      if (label) expected.observe({ [label]: key }, value);
      else expected.observe(value);
    }
    t.is(await fast.metrics(), await reference.metrics(), label ?? 'no label');
    // The JSON form too, field by field (prom-client adds exemplar fields, never used here).
    const json = async (registry: Registry) =>
      (await registry.getMetricsAsJSON()).map(({ name, help, type, aggregator, values }) => ({ name, help, type, aggregator, values: values.map(({ labels, value }) => ({ labels, value })) }));
    t.deepEqual(await json(fast), await json(reference));
  }
});

test('the action of an encoded event is read from its opening, anything else is "other"', (t) => {
  t.is(encodedAction(JSON.stringify({ v: 1, action: 'roomChat', data: { message: '"action":"x"' } })), 'roomChat');
  t.is(encodedAction(JSON.stringify({ v: 1, replyTo: 'a', action: 'chat', data: {} })), 'other');
  t.is(encodedAction(''), 'other');
  t.is(encodedAction(`{"v":1,"action":"${'a'.repeat(100)}"}`), 'other');
});
