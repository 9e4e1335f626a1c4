/**
 * 1:1 chat throughput, one node versus three nodes relaying through the leader.
 * Run with `npm run bench` (it starts its own services). Bounded: PAIRS × MESSAGES per mode.
 *
 *   single: senders and receivers on one node process
 *   cluster: senders on node-2, receivers on node-3, every message relayed by the leader node-1
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const PAIRS = Number(process.env.BENCH_PAIRS ?? 50);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200);
const NODE_MAIN = fileURLToPath(new URL('../src/node/main.js', import.meta.url));

interface Node {
  child: ChildProcess;
  port: number;
}

function startNode(id: string, shared: Record<string, string>): Promise<Node> {
  const child = spawn(process.execPath, [NODE_MAIN], {
    env: { ...process.env, ...shared, NODE_ID: id, CLIENT_PORT: '0', CLUSTER_PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"msg":"chat node listening".*?"clientPort":(\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once('exit', (code) => reject(new Error(`${id} exited with ${code}`)));
  });
}

class Client {
  #next = 0;
  #waiting = new Map<string, (frame: { action: string; data: unknown }) => void>();
  received = 0;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { replyTo?: string; action: string; data: unknown };
      if (frame.replyTo) this.#waiting.get(frame.replyTo)?.(frame);
      else if (frame.action === 'chat') this.received++;
    });
  }

  static async open(port: number): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await once(ws, 'open');
    return new Client(ws);
  }

  request(action: string, data: unknown): Promise<{ action: string; data: unknown }> {
    const id = String(++this.#next);
    return new Promise((resolve) => {
      this.#waiting.set(id, (frame) => (this.#waiting.delete(id), resolve(frame)));
      this.ws.send(JSON.stringify({ v: 1, id, action, data }));
    });
  }
}

async function user(port: number, name: string): Promise<Client> {
  const client = await Client.open(port);
  await client.request('register', { username: name, password: 'bench-password' });
  const login = await client.request('login', { username: name, password: 'bench-password' });
  if (login.action !== 'login') throw new Error(`login failed: ${JSON.stringify(login)}`);
  return client;
}

async function measure(label: string, senderPort: number, receiverPort: number): Promise<number> {
  const tag = randomBytes(3).toString('hex');
  const pairs = await Promise.all(
    Array.from({ length: PAIRS }, async (_, i) => ({
      sender: await user(senderPort, `s${tag}_${i}`),
      receiver: await user(receiverPort, `r${tag}_${i}`),
      to: `r${tag}_${i}`,
    })),
  );
  const started = performance.now();
  await Promise.all(
    pairs.map(async ({ sender, to }) => {
      for (let m = 0; m < MESSAGES; m++) {
        const reply = await sender.request('chat', { to, message: `message ${m}` });
        if (reply.action !== 'chat') throw new Error(`chat failed: ${JSON.stringify(reply)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const delivered = pairs.reduce((sum, p) => sum + p.receiver.received, 0);
  const rate = delivered / seconds;
  console.log(`${label.padEnd(8)} ${delivered} messages in ${seconds.toFixed(2)} s = ${rate.toFixed(0)} msg/s`);
  for (const p of pairs) (p.sender.ws.close(), p.receiver.ws.close());
  return rate;
}

async function main(): Promise<void> {
  const shared = {
    CLUSTER_SECRET: `bench-${randomBytes(8).toString('hex')}`,
    REDIS_PREFIX: `bench:${randomBytes(3).toString('hex')}:`,
    MONGO_DB: `bench_${randomBytes(3).toString('hex')}`,
    RATE_LIMIT_PER_SEC: '100000',
    RATE_LIMIT_BURST: '100000',
  };
  console.log(`${PAIRS} sender/receiver pairs, ${MESSAGES} messages each, each sender waits for its reply`);
  const nodes: Node[] = [];
  try {
    const single = await startNode('bench-single', { ...shared, ZK_ROOT: `/bench-single-${shared.MONGO_DB}` });
    nodes.push(single);
    const singleRate = await measure('single', single.port, single.port);
    single.child.kill('SIGTERM');
    await once(single.child, 'exit');
    nodes.length = 0;

    const root = { ...shared, ZK_ROOT: `/bench-cluster-${shared.MONGO_DB}` };
    for (const id of ['bench-1', 'bench-2', 'bench-3']) nodes.push(await startNode(id, root));
    await new Promise((resolve) => setTimeout(resolve, 1000)); // let the leader link the followers
    const clusterRate = await measure('cluster', nodes[1]!.port, nodes[2]!.port);
    console.log(`cluster / single = ${((clusterRate / singleRate) * 100).toFixed(0)}%`);
  } finally {
    for (const node of nodes) node.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => (n.child.exitCode === null ? once(n.child, 'exit') : undefined)));
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
