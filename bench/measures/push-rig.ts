/**
 * What every push measure stands on: the servers (the raw relay in push mode, or three chat nodes
 * with their push API on), N users spread over them, and pinned generator processes holding the
 * users' logged-in connections. zkchat's users are written to MongoDB with a cheap hash first
 * (bench/cheap-users.ts), so thousands log in within seconds. Everything stops again, also on failure.
 */
import { randomBytes } from 'node:crypto';
import { cheapHash, writeUsers } from '../cheap-users.js';
import { GeneratorProcess } from '../generators.js';
import type { UserSpec } from '../ipc.js';
import { FD_LIMIT } from '../processes.js';
import { SETTLE_MS } from '../run-scenario.js';
import { anyDies, startCluster, startRawRelay, stopServers, type Server } from '../servers.js';
import type { MeasureContext } from './measure.js';

/** Connections one generator holds at most: half its file descriptor limit, the rest is headroom. */
export const CONNECTIONS_PER_GENERATOR = FD_LIMIT / 2;
/** Logins at once per generator: with cheap hashes a login costs the node a few Redis calls. */
const LOGIN_CONCURRENCY = 32;
/** Chat nodes of the zkchat side: a leader and two followers. */
const CHAT_NODES = 3;
const ADMIN_TOKEN_BYTES = 24;

export type PushTarget = 'raw' | 'zkchat';

export interface PushRig {
  target: PushTarget;
  servers: Server[];
  /** Push API bearer token ('' for the raw relay, which takes none). */
  token: string;
  users: UserSpec[];
  generators: GeneratorProcess[];
  /** Rejects when a server dies: race whatever waits on the servers against it. */
  died: Promise<never>;
}

async function startServers(context: MeasureContext, target: PushTarget, label: string, token: string): Promise<Server[]> {
  if (target === 'raw') return [await startRawRelay('push')];
  const { settings, chatEnv } = context;
  const names = Array.from({ length: CHAT_NODES }, (_, i) => `${label}-${i + 1}`);
  return startCluster(names, { ...chatEnv, zkRoot: `/bench-${settings.runTag}-${label}` }, { ADMIN_PORT: '0', ADMIN_TOKEN: token });
}

/** User names `p<run tag>_<label>_<i>` (a short label keeps them within 32 characters). */
function userNames(context: MeasureContext, label: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `p${context.settings.runTag}_${label}_${i}`);
}

/** User i on server i mod servers. */
function usersOn(names: readonly string[], password: string, servers: readonly Server[]): UserSpec[] {
  return names.map((username, i) => ({ index: i, username, password, url: servers[i % servers.length]!.url }));
}

/** Contiguous shares of the users, one per generator. */
function split(users: readonly UserSpec[]): UserSpec[][] {
  const generators = Math.ceil(users.length / CONNECTIONS_PER_GENERATOR);
  return Array.from({ length: generators }, (_, g) => users.slice(Math.floor((g * users.length) / generators), Math.floor(((g + 1) * users.length) / generators)));
}

/**
 * Starts the servers of `target` and `count` logged-in users on them, runs `work`, and stops every
 * process it started, whatever happens. `label` names the nodes, the users and the ZooKeeper root.
 */
export async function withPushRig<T>(context: MeasureContext, target: PushTarget, label: string, count: number, work: (rig: PushRig) => Promise<T>): Promise<T> {
  const token = target === 'raw' ? '' : randomBytes(ADMIN_TOKEN_BYTES).toString('hex');
  const names = userNames(context, label, count);
  const password = `bench-${context.settings.runTag}-pw`;
  // Before the nodes start, as the tests do. The raw relay takes any name and password.
  if (target === 'zkchat') await writeUsers(context.settings.mongoUrl, context.chatEnv.mongoDb, names, cheapHash(password));
  const servers = await startServers(context, target, `${label}-${target}`, token);
  const died = anyDies(servers);
  const generators: GeneratorProcess[] = [];
  try {
    const users = usersOn(names, password, servers);
    const parts = split(users);
    parts.forEach((_, g) => generators.push(new GeneratorProcess(`generator-${g + 1}`, context.settings.pin)));
    generators.forEach((gen, g) => gen.send({ type: 'pushSetup', users: parts[g]!, loginConcurrency: LOGIN_CONCURRENCY }));
    const loginTimeout = 60_000 + 20 * count;
    await Promise.race([died, Promise.all(generators.map((gen) => gen.expect('ready', loginTimeout)))]);
    return await Promise.race([died, work({ target, servers, token, users, generators, died })]);
  } finally {
    await Promise.all(generators.map((gen) => gen.close()));
    await stopServers(servers);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  }
}
