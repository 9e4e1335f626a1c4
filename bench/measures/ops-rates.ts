/**
 * The shared part of login-rate and resume-rate: one chat node with its users written and logged
 * in by generator processes, and the raw relay's rate of the same work without a password or a
 * session behind it (open a connection, one `login` round trip), as the reference.
 */
import { anyDies, startCluster, startRawRelay, stopServers, type Server } from '../servers.js';
import type { MeasureContext } from './measure.js';
import { CONNECTIONS_PER_GENERATOR, OpsFleet, opsUsers, perSecond, span, split, storeUsers, zkRootOf } from './ops-harness.js';
import type { OpsUser } from './ops-protocol.js';

/** How long a batch of logins may take: a scrypt login is ~12 a second on one core. */
export function loginTimeoutMs(users: number): number {
  return 60_000 + 500 * users;
}

/** Logs `users` in (connect + login), `concurrency` at a time in all; returns the rate and the span. */
export async function logInBatch(fleet: OpsFleet, users: readonly OpsUser[], concurrency: number, died: Promise<never>): Promise<{ perSec: number; ms: number }> {
  const parts = split(users, fleet.size);
  const perGenerator = Math.max(1, Math.round(concurrency / fleet.size));
  const replies = await Promise.race([
    died,
    fleet.ask('connect', (g) => ({ kind: 'connect', users: parts[g]!, auth: 'login', concurrency: perGenerator, gateway: null }), loginTimeoutMs(users.length)),
  ]);
  const loggedIn = replies.reduce((n, r) => n + r.loggedIn, 0);
  if (loggedIn !== users.length) throw new Error(`${loggedIn} of ${users.length} logins succeeded`);
  const ms = span(replies);
  return { perSec: perSecond(users.length, ms), ms };
}

export function fleetFor(users: number, context: MeasureContext, tag: string): OpsFleet {
  return new OpsFleet(Math.ceil(users / CONNECTIONS_PER_GENERATOR), context.settings, tag);
}

/** The raw relay's connect + login rate for `count` connections at `concurrency`. */
export async function rawConnectRate(context: MeasureContext, tag: string, count: number, concurrency: number): Promise<{ perSec: number; ms: number }> {
  const raw = await startRawRelay('pairs');
  const fleet = fleetFor(count, context, `${tag}-raw`);
  try {
    return await logInBatch(fleet, opsUsers(context.settings, `${tag}raw`, count, () => raw.url), concurrency, anyDies([raw]));
  } finally {
    await fleet.close();
    await stopServers([raw]);
  }
}

/** Writes `count` users (with `passwordHash`, default cheap), starts one chat node, and runs `body` with them. */
export async function withOneNode<T>(
  context: MeasureContext,
  tag: string,
  count: number,
  body: (node: Server, users: OpsUser[], died: Promise<never>) => Promise<T>,
  passwordHash?: string,
): Promise<T> {
  const users = opsUsers(context.settings, tag, count, () => '');
  await storeUsers(context, users, passwordHash);
  const [node] = await startCluster([`${tag}-1`], { ...context.chatEnv, zkRoot: zkRootOf(context.settings, tag) });
  try {
    return await body(node!, users.map((u) => ({ ...u, url: node!.url })), anyDies([node!]));
  } finally {
    await stopServers([node!]);
  }
}
