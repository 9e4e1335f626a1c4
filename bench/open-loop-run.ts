/**
 * The open-loop latency of one server kind (a pairs scenario's servers and user layout): servers up,
 * users stored with cheap password hashes (set-up is not what is measured), generators forked and
 * logged in once, an unmeasured warm-up window, then one window per rate, everything stopped again.
 * As in the closed-loop scenarios, MongoDB runs in the background during each window, and on zkchat
 * each window is followed by the archive's drain, so the next rate starts without a backlog.
 */
import { ArchiveBacklog } from './archive.js';
import { setArchivePriority } from './archive-priority.js';
import { cheapHash, writeUsers } from './cheap-users.js';
import { GeneratorProcess } from './generators.js';
import { nowMs, type UserSpec } from './ipc.js';
import { OPEN_GRACE_MAX_MS } from './open-loop-load.js';
import type { OpenLoopSettings } from './open-loop-settings.js';
import { LOGIN_CONCURRENCY, SETTLE_MS, split, START_LEAD_MS, startServers, usersOf } from './run-scenario.js';
import { isChatNodes, type Scenario } from './scenarios.js';
import { anyDies, stopServers, type ChatNodeEnv } from './servers.js';
import { servicePids } from './service-pids.js';
import type { Settings } from './settings.js';
import { Histogram, mergeResults, type LoadResult } from './stats.js';

/** Set-up time allowed: a minute, plus per user (a login). */
const LOGIN_TIMEOUT_BASE_MS = 60_000;
const LOGIN_TIMEOUT_PER_USER_MS = 500;
/** Beyond the window and its grace period, before a generator counts as stuck. */
const RESULT_SLACK_MS = 30_000;

export interface RateOutcome {
  /** Target total send rate, msg/s. */
  ratePerSec: number;
  seconds: number;
  load: LoadResult;
  /** Scheduled → actual send, ms: large values mean the generators fell behind the schedule. */
  sendLag: Histogram;
  /** zkchat only: archive stream length when the window closed, and seconds until it was 0 (null: not drained). */
  archive: { backlog: number; drainSeconds: number | null } | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** The servers, users and generator processes of one server kind, logged in. */
interface Rig {
  users: UserSpec[];
  parts: UserSpec[][];
  generators: GeneratorProcess[];
  /** Rejects as soon as a server dies. */
  died: Promise<never>;
  backlog: ArchiveBacklog | null;
  mongoPid: number | undefined;
}

/** One window at `ratePerSec`: each generator sends its share, in proportion to the users it holds. */
async function runWindow(rig: Rig, ratePerSec: number, seconds: number): Promise<RateOutcome> {
  const { users, parts, generators, died, backlog, mongoPid } = rig;
  const startAt = nowMs() + START_LEAD_MS;
  const endAt = startAt + seconds * 1000;
  generators.forEach((gen, g) => gen.send({ type: 'open-window', startAt, endAt, ratePerSec: (ratePerSec * parts[g]!.length) / users.length }));
  let backlogAtEnd = 0;
  const clock = (async () => {
    await sleep(startAt - nowMs());
    setArchivePriority(mongoPid, 'background');
    await sleep(endAt - nowMs());
    setArchivePriority(mongoPid, 'normal');
    if (backlog) backlogAtEnd = await backlog.length();
  })();
  const timeout = START_LEAD_MS + seconds * 1000 + OPEN_GRACE_MAX_MS + RESULT_SLACK_MS;
  const [, results] = await Promise.race([died, Promise.all([clock, Promise.all(generators.map((gen) => gen.expect('open-result', timeout)))])]);
  const sendLag = new Histogram();
  for (const r of results) sendLag.merge(new Histogram(r.sendLag));
  const archive = backlog ? { backlog: backlogAtEnd, drainSeconds: await Promise.race([died, backlog.waitDrained(endAt, nowMs)]) } : null;
  return { ratePerSec, seconds, load: mergeResults(results.map((r) => r.result)), sendLag, archive };
}

/** Runs every rate against the servers of `scenario` (a pairs scenario), under the name `open-<scenario>`. */
export async function runOpenLoop(scenario: Scenario, settings: Settings, chatEnv: Omit<ChatNodeEnv, 'zkRoot'>, open: OpenLoopSettings): Promise<RateOutcome[]> {
  // Own users, ZooKeeper root and server names: nothing left over from the closed-loop scenario.
  const layout = { ...scenario, name: `open-${scenario.name}` };
  const zkchat = isChatNodes(scenario.servers);
  const servers = await startServers(layout, settings, chatEnv);
  const died = anyDies(servers);
  const generators: GeneratorProcess[] = [];
  const backlog = zkchat ? new ArchiveBacklog(settings.redisUrl, chatEnv.redisPrefix) : null;
  try {
    const users = usersOf(layout, settings, servers);
    // usersOf gives every user the run's one password.
    if (zkchat) await writeUsers(settings.mongoUrl, chatEnv.mongoDb, users.map((u) => u.username), cheapHash(users[0]!.password));
    const parts = split(layout, users, settings.generators);
    parts.forEach((_, g) => generators.push(new GeneratorProcess(`generator-${g + 1}`, settings.pin)));
    generators.forEach((gen, g) => gen.send({ type: 'open-setup', users: parts[g]!, loginConcurrency: LOGIN_CONCURRENCY }));
    const loginTimeout = LOGIN_TIMEOUT_BASE_MS + LOGIN_TIMEOUT_PER_USER_MS * users.length;
    await Promise.race([died, Promise.all(generators.map((gen) => gen.expect('ready', loginTimeout)))]);

    const rig: Rig = { users, parts, generators, died, backlog, mongoPid: servicePids({ mongo: settings.mongoUrl }).get('mongo') };
    if (open.warmupSeconds > 0) await runWindow(rig, open.rates[0]!, open.warmupSeconds);
    const outcomes: RateOutcome[] = [];
    for (const rate of open.rates) outcomes.push(await runWindow(rig, rate, open.seconds));
    return outcomes;
  } finally {
    backlog?.close();
    await Promise.all(generators.map((gen) => gen.close()));
    await stopServers(servers);
    await sleep(SETTLE_MS);
  }
}
