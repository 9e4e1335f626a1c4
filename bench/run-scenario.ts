/**
 * One scenario from start to end: servers up, generators forked and logged in, the load window,
 * the grace period, the archive drain (zkchat), everything stopped again.
 */
import { randomBytes } from 'node:crypto';
import { ArchiveBacklog } from './archive.js';
import { CpuMeter, type CpuUsage } from './cpu-load.js';
import { GeneratorProcess } from './generators.js';
import { nowMs, type TrafficSpec, type UserSpec } from './ipc.js';
import { GRACE_MAX_MS } from './load.js';
import { isChatNodes, type Scenario } from './scenarios.js';
import { servicePids } from './service-pids.js';
import { setArchivePriority } from './archive-priority.js';
import { anyDies, startCluster, startRawRelay, stopServers, type ChatNodeEnv, type Server } from './servers.js';
import type { Settings } from './settings.js';
import { mergeResults, type LoadResult } from './stats.js';

/** Logins at once per generator: each costs the server a 16 MiB scrypt. */
export const LOGIN_CONCURRENCY = 16;
/** Room set-up beyond the logins: joins (N²/2 join events in zkchat) and the roll-call round. */
const ROOM_SETUP_MS = 300_000;
/** Lead time between "start" going out and the window opening, so every generator starts together. */
export const START_LEAD_MS = 200;
/** Pause after a scenario's processes are gone, so the next one starts on quiet CPUs. */
export const SETTLE_MS = 2000;

/** What picks a scenario's servers and users; measures reuse it under names of their own (the open-loop latency). */
export type ScenarioLayout = Pick<Scenario, 'servers' | 'traffic' | 'serverOf'> & { name: string };

export interface ScenarioMeasurement {
  load: LoadResult;
  /** Users (pairs) or room members of the scenario, and the generator processes that drove them. */
  users: number;
  generators: number;
  /** Set-up: logins, and for a room also the joins and the roll-call round. */
  loginSeconds: number;
  /** How busy each CPU and each of our processes was over the window. */
  cpu: CpuUsage;
  /** zkchat only: XLEN of the archive stream when the window closed, and how long it took to reach 0 (null: not drained). */
  archive: { backlog: number; drainSeconds: number | null } | null;
}

/** Shared by the chat nodes of every scenario of one run. */
export function runChatEnv(settings: Settings): Omit<ChatNodeEnv, 'zkRoot'> {
  return {
    clusterSecret: randomBytes(24).toString('hex'),
    redisPrefix: `bench:${settings.runTag}:`,
    mongoDb: `bench_${settings.runTag}`,
  };
}

export function usersOf(scenario: ScenarioLayout, settings: Settings, servers: readonly Server[]): UserSpec[] {
  const count = scenario.traffic === 'room' ? settings.roomMembers : settings.users;
  return Array.from({ length: count }, (_, i) => ({
    index: i,
    username: `b${settings.runTag}_${scenario.name}_${i}`,
    password: `bench-${settings.runTag}-pw`,
    url: servers[scenario.serverOf(i)]!.url,
  }));
}

/**
 * Pairs: whole pairs per generator, as even as they come. Room: one generator holds every member,
 * since a sender's loop waits for its message to reach all of them (room-loop.ts); pinned, every
 * generator shares CPU 1 anyway.
 */
export function split(scenario: ScenarioLayout, users: readonly UserSpec[], generators: number): UserSpec[][] {
  if (scenario.traffic === 'room') return [[...users]];
  const pairs = users.length / 2;
  return Array.from({ length: generators }, (_, g) => {
    const from = Math.floor((g * pairs) / generators);
    const to = Math.floor(((g + 1) * pairs) / generators);
    return users.slice(2 * from, 2 * to);
  });
}

function trafficOf(scenario: ScenarioLayout, settings: Settings): TrafficSpec {
  if (scenario.traffic === 'pairs') return { kind: 'pairs' };
  // Room names: at most 32 of [A-Za-z0-9_-]; the run tag keeps reruns apart.
  return { kind: 'room', room: `b${settings.runTag}_${scenario.name}`.slice(0, 32), senders: settings.roomSenders };
}

/**
 * The scenario under the name its users, nodes and room get in round `round`: each round has its
 * own. Users of an earlier round would meet their inboxes, and their clientMsgIds (sender and
 * counter) would be answered as resends of that round's messages.
 */
function inRound(scenario: Scenario, round: number): ScenarioLayout {
  return round > 1 ? { ...scenario, name: `${scenario.name}-r${round}` } : scenario;
}

/** The processes whose CPU time is reported: servers, the services they use, generators. */
function pidsOf(settings: Settings, servers: readonly Server[], generators: readonly GeneratorProcess[]): Map<string, number> {
  const pids = servicePids({ zookeeper: settings.zkConnect, redis: settings.redisUrl, mongo: settings.mongoUrl });
  for (const s of servers) if (s.process.child.pid !== undefined) pids.set(s.name, s.process.child.pid);
  for (const g of generators) if (g.pid !== undefined) pids.set(g.name, g.pid);
  return pids;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

export async function startServers(scenario: ScenarioLayout, settings: Settings, chatEnv: Omit<ChatNodeEnv, 'zkRoot'>): Promise<Server[]> {
  if (!isChatNodes(scenario.servers)) return [await startRawRelay(scenario.traffic)];
  const names = Array.from({ length: scenario.servers.count }, (_, i) => `${scenario.name}-${i + 1}`);
  return startCluster(names, { ...chatEnv, zkRoot: `/bench-${settings.runTag}-${scenario.name}` });
}

/**
 * Redis keys and a MongoDB database of the scenario's own: it starts on empty storage whatever ran
 * before it, and an archive backlog an earlier scenario left (its drain timed out) is not drained
 * during its window. The archive writes slow down as the collection grows, so a shared one would
 * make each round's drain longer than the last.
 */
function storageOf(layout: ScenarioLayout, chatEnv: Omit<ChatNodeEnv, 'zkRoot'>): Omit<ChatNodeEnv, 'zkRoot'> {
  return { ...chatEnv, redisPrefix: `${chatEnv.redisPrefix}${layout.name}:`, mongoDb: `${chatEnv.mongoDb}_${layout.name}` };
}

/** `round`: see BENCH_ROUNDS (settings.ts). */
export async function runScenario(scenario: Scenario, settings: Settings, chatEnv: Omit<ChatNodeEnv, 'zkRoot'>, round = 1): Promise<ScenarioMeasurement> {
  const zkchat = isChatNodes(scenario.servers);
  const layout = inRound(scenario, round);
  const env = storageOf(layout, chatEnv);
  const servers = await startServers(layout, settings, env);
  const died = anyDies(servers);
  const generators: GeneratorProcess[] = [];
  const backlog = zkchat ? new ArchiveBacklog(settings.redisUrl, env.redisPrefix) : null;
  try {
    const users = usersOf(layout, settings, servers);
    const parts = split(layout, users, settings.generators);
    parts.forEach((_, g) => generators.push(new GeneratorProcess(`generator-${g + 1}`, settings.pin)));
    const loginStart = nowMs();
    const traffic = trafficOf(layout, settings);
    generators.forEach((gen, g) => gen.send({ type: 'setup', users: parts[g]!, loginConcurrency: LOGIN_CONCURRENCY, traffic }));
    // Room set-up also joins everyone and waits for the roll-call round (at most ROOM_SETUP_MS).
    const loginTimeout = 60_000 + 500 * users.length + (traffic.kind === 'room' ? ROOM_SETUP_MS : 0);
    await Promise.race([died, Promise.all(generators.map((gen) => gen.expect('ready', loginTimeout)))]);
    const loginSeconds = (nowMs() - loginStart) / 1000;

    const meter = new CpuMeter(pidsOf(settings, servers, generators)); // before the clock runs: it scans /proc
    const warmupAt = nowMs() + START_LEAD_MS;
    const startAt = warmupAt + settings.warmupSeconds * 1000;
    const endAt = startAt + settings.seconds * 1000;
    for (const gen of generators) gen.send({ type: 'start', warmupAt, startAt, endAt });
    let cpu: CpuUsage = { cpus: {}, processes: {} };
    let backlogAtEnd = 0;
    const mongoPid = servicePids({ mongo: settings.mongoUrl }).get('mongo');
    const window = (async () => {
      await sleep(warmupAt - nowMs());
      setArchivePriority(mongoPid, 'background');
      await sleep(startAt - nowMs());
      meter.start();
      await sleep(endAt - nowMs());
      cpu = meter.stop();
      setArchivePriority(mongoPid, 'normal');
      if (backlog) backlogAtEnd = await backlog.length();
    })();
    const resultTimeout = START_LEAD_MS + (settings.warmupSeconds + settings.seconds) * 1000 + GRACE_MAX_MS + 30_000;
    const [, results] = await Promise.race([died, Promise.all([window, Promise.all(generators.map((gen) => gen.expect('result', resultTimeout)))])]);
    await Promise.all(generators.map((gen) => gen.close()));

    let archive: ScenarioMeasurement['archive'] = null;
    if (backlog) {
      // The nodes keep running: their archive writers drain the stream into MongoDB.
      const drainSeconds = await Promise.race([died, backlog.waitDrained(endAt, nowMs)]);
      archive = { backlog: backlogAtEnd, drainSeconds };
    }
    return { load: mergeResults(results.map((r) => r.result)), users: users.length, generators: generators.length, loginSeconds, cpu, archive };
  } finally {
    backlog?.close();
    await Promise.all(generators.map((gen) => gen.close()));
    await stopServers(servers);
    await sleep(SETTLE_MS);
  }
}
