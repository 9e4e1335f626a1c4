/**
 * Main-side parts shared by the operations measures: their generator processes (pinned like the
 * scenarios' ones), their users (written cheaply into MongoDB), the split of users over generators,
 * and a process's resident memory.
 */
import { readFileSync } from 'node:fs';
import { cheapHash, writeUsers } from '../cheap-users.js';
import { GeneratorProcess } from '../generators.js';
import type { Settings } from '../settings.js';
import type { MeasureContext } from './measure.js';
import type { OpsReply, OpsRequest, OpsUser } from './ops-protocol.js';

/** Connections one generator process holds at most (its fd limit is 20,000: processes.ts). */
export const CONNECTIONS_PER_GENERATOR = 5000;
/** Password of the users the measures write (cheaply hashed, unless a measure hashes it for real). */
export const OPS_PASSWORD = 'bench-ops-password';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

type ReplyOf<K extends OpsRequest['kind']> = Extract<OpsReply, { kind: K }>;

/** The generator processes of one measure. */
export class OpsFleet {
  readonly #generators: GeneratorProcess[];

  constructor(count: number, settings: Settings, tag: string) {
    this.#generators = Array.from({ length: count }, (_, g) => new GeneratorProcess(`${tag}-generator-${g + 1}`, settings.pin));
  }

  get size(): number {
    return this.#generators.length;
  }

  /** Sends generator g `request(g)` and waits for every answer (they all ask for the same kind). */
  async ask<K extends OpsRequest['kind']>(kind: K, request: (g: number) => Extract<OpsRequest, { kind: K }>, timeoutMs: number): Promise<ReplyOf<K>[]> {
    this.#generators.forEach((gen, g) => gen.send({ type: 'ops', request: request(g) }));
    return Promise.all(
      this.#generators.map(async (gen) => {
        const { reply } = await gen.expect('ops-reply', timeoutMs);
        if (reply.kind !== kind) throw new Error(`${gen.name} answered "${reply.kind}" to "${kind}"`);
        return reply as ReplyOf<K>;
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.#generators.map((gen) => gen.close()));
  }
}

/** `items` in `parts` consecutive slices as even as they come, cut only between groups of `unit` (pairs: 2). */
export function split<T>(items: readonly T[], parts: number, unit = 1): T[][] {
  const groups = Math.ceil(items.length / unit);
  return Array.from({ length: parts }, (_, p) => items.slice(unit * Math.floor((p * groups) / parts), unit * Math.floor(((p + 1) * groups) / parts)));
}

/** Users `<run tag>_<tag>_<i>`, each on the server `urlOf(i)` names. */
export function opsUsers(settings: Settings, tag: string, count: number, urlOf: (i: number) => string): OpsUser[] {
  return Array.from({ length: count }, (_, index) => ({ index, username: `b${settings.runTag}_${tag}_${index}`, password: OPS_PASSWORD, url: urlOf(index) }));
}

/** Writes the users into the run's MongoDB database; `passwordHash` defaults to the cheapest scrypt. */
export async function storeUsers(context: MeasureContext, users: readonly OpsUser[], passwordHash = cheapHash(OPS_PASSWORD)): Promise<void> {
  await writeUsers(context.settings.mongoUrl, context.chatEnv.mongoDb, users.map((u) => u.username), passwordHash);
}

/** The ZooKeeper root of one measure's chat nodes. */
export function zkRootOf(settings: Settings, tag: string): string {
  return `/bench-${settings.runTag}-${tag}`;
}

/** VmRSS of a process in KiB (Linux /proc), or null when it cannot be read. */
export function rssKiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stopped: the peak of a ramp. */
export function rssPeak(pid: number | undefined, everyMs = 100): { stop(): number | null } {
  let peak: number | null = rssKiB(pid);
  const timer = setInterval(() => {
    const now = rssKiB(pid);
    if (now !== null) peak = Math.max(peak ?? 0, now);
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak;
    },
  };
}

/** Rounds for the JSON line and the table: `digits` decimals. */
export function round(value: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Per second, from a count and a span in ms. */
export function perSecond(count: number, ms: number): number {
  return ms > 0 ? (1000 * count) / ms : 0;
}

/** The span from the earliest start to the latest end of several generators' batches. */
export function span(parts: readonly { startedAt: number; doneAt: number }[]): number {
  return Math.max(...parts.map((p) => p.doneAt)) - Math.min(...parts.map((p) => p.startedAt));
}
