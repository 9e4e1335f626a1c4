/** How the users of a generator came back after their connections were dropped. */
import type { ReconnectTally } from './ops-protocol.js';
import type { OpsUserConnection } from './ops-user.js';

export function tallyReconnects(users: readonly OpsUserConnection[]): ReconnectTally {
  const tally: ReconnectTally = { dropped: 0, back: 0, resumed: 0, passwordLogins: 0, attempts: 0, firstDropAt: null, lastBackAt: null, nodes: {}, failures: {} };
  for (const user of users) {
    tally.attempts += user.attempts;
    addTo(tally.failures, user.failures);
    if (user.drops === 0) continue;
    tally.dropped += user.drops;
    if (user.droppedAt !== null) tally.firstDropAt = Math.min(tally.firstDropAt ?? Infinity, user.droppedAt);
    if (user.backAt === null || user.ready === null) continue;
    tally.back++;
    tally.lastBackAt = Math.max(tally.lastBackAt ?? 0, user.backAt);
    if (user.lastHow === 'resume') tally.resumed++;
    else tally.passwordLogins++;
    addTo(tally.nodes, { [user.lastLogin?.nodeId ?? 'unknown']: 1 });
  }
  return tally;
}

/** Adds up the tallies of several generators. */
export function mergeTallies(parts: readonly ReconnectTally[]): ReconnectTally {
  const merged: ReconnectTally = { dropped: 0, back: 0, resumed: 0, passwordLogins: 0, attempts: 0, firstDropAt: null, lastBackAt: null, nodes: {}, failures: {} };
  for (const t of parts) {
    merged.dropped += t.dropped;
    merged.back += t.back;
    merged.resumed += t.resumed;
    merged.passwordLogins += t.passwordLogins;
    merged.attempts += t.attempts;
    if (t.firstDropAt !== null) merged.firstDropAt = Math.min(merged.firstDropAt ?? Infinity, t.firstDropAt);
    if (t.lastBackAt !== null) merged.lastBackAt = Math.max(merged.lastBackAt ?? 0, t.lastBackAt);
    addTo(merged.nodes, t.nodes);
    addTo(merged.failures, t.failures);
  }
  return merged;
}

function addTo(into: Record<string, number>, counts: Readonly<Record<string, number>>): void {
  for (const [key, n] of Object.entries(counts)) into[key] = (into[key] ?? 0) + n;
}
