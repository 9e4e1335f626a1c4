/** What one bench run is told by its environment, read once in main.ts. */
import { randomBytes } from 'node:crypto';
import { MEASURES } from './measures/registry.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';

/** Users one generator process drives at most, unless BENCH_GENERATORS says otherwise. */
export const USERS_PER_GENERATOR = 1000;
/**
 * Room senders by default. Each has one message in flight until all members have it, so this many
 * messages are in flight at most. With one, the servers idle while the generator reads the tail of
 * each fan-out and the next request crosses the nodes: that measures one fan-out's latency, not
 * the servers' capacity. 16 keep zkchat's multi-hop path (sender's node → leader → followers) busy.
 */
export const DEFAULT_ROOM_SENDERS = 16;
/**
 * Warm-up before each throughput window. Measured: three chat nodes deliver 2k, 2.5k, 4.5k, 5.4k
 * messages/s in their first four seconds of traffic, then 5.5k–7.7k; one node and the raw relay
 * start at their steady rate.
 */
export const DEFAULT_WARMUP_SECONDS = 5;

export interface Settings {
  /** Pairs traffic: users (even), in `generators` processes. */
  users: number;
  seconds: number;
  /**
   * Seconds of the same traffic before each throughput window, not counted: a cold server (code not
   * yet optimized by the JIT, heaps still growing) reaches its steady rate only after a few seconds.
   */
  warmupSeconds: number;
  /** How many times the throughput scenarios run in turn (see rounds.ts); the measures run once. */
  rounds: number;
  generators: number;
  /** Room traffic: members of the one room (one generator process), and how many of them send. */
  roomMembers: number;
  roomSenders: number;
  scenarios: ScenarioName[];
  /** Measures (bench/measures/) picked by BENCH_SCENARIOS too; they run after the scenarios. */
  measures: string[];
  /** Generators run on CPU 1 (`taskset -c 1`), servers inherit CPU 0 from scripts/bench.sh. */
  pin: boolean;
  pinNote: string;
  /** Random tag of this run: user names, Redis prefix, Mongo database, ZooKeeper roots. */
  runTag: string;
  zkConnect: string;
  redisUrl: string;
  mongoUrl: string;
}

export class SettingsError extends Error {}

/** An integer environment variable between min and max, or the fallback when unset. */
export function int(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SettingsError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new SettingsError(`${name} is not set: run through \`npm run bench\` (scripts/services.mjs run starts the services)`);
  return value;
}

/** BENCH_SCENARIOS split into throughput scenarios and measures, each in run order; unset: all. */
function picked(): { scenarios: ScenarioName[]; measures: string[] } {
  const raw = process.env.BENCH_SCENARIOS;
  const scenarios = SCENARIOS.map((s) => s.name);
  const measures = MEASURES.map((m) => m.name);
  if (!raw) return { scenarios, measures };
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const known = [...scenarios, ...measures];
  for (const name of names) {
    if (!known.includes(name)) throw new SettingsError(`BENCH_SCENARIOS: unknown scenario "${name}" (known: ${known.join(', ')})`);
  }
  // Always in table order: the raw relay first, so the others have their reference.
  return { scenarios: scenarios.filter((name) => names.includes(name)), measures: measures.filter((name) => names.includes(name)) };
}

export function loadSettings(): Settings {
  const users = int('BENCH_USERS', 300, 2, 100_000);
  // Users come in pairs (2k sends to 2k+1 and back).
  if (users % 2 !== 0) throw new SettingsError(`BENCH_USERS must be even (users are paired), got ${users}`);
  const pairs = users / 2;
  const generators = int('BENCH_GENERATORS', Math.ceil(users / USERS_PER_GENERATOR), 1, pairs);
  const pin = process.env.BENCH_PIN === '1';
  // One generator process holds every member: its file descriptor limit (processes.ts) bounds them.
  const roomMembers = int('BENCH_ROOM_MEMBERS', 1000, 2, 10_000);
  return {
    users,
    seconds: int('BENCH_SECONDS', 30, 1, 3600),
    warmupSeconds: int('BENCH_WARMUP_SECONDS', DEFAULT_WARMUP_SECONDS, 0, 600),
    rounds: int('BENCH_ROUNDS', 1, 1, 20),
    generators,
    roomMembers,
    roomSenders: int('BENCH_ROOM_SENDERS', Math.min(DEFAULT_ROOM_SENDERS, roomMembers), 1, roomMembers),
    ...picked(),
    pin,
    pinNote: process.env.BENCH_PIN_NOTE ?? (pin ? '' : 'BENCH_PIN is not 1: not started by scripts/bench.sh'),
    runTag: randomBytes(3).toString('hex'),
    zkConnect: required('ZK_CONNECT'),
    redisUrl: required('REDIS_URL'),
    mongoUrl: required('MONGO_URL'),
  };
}
