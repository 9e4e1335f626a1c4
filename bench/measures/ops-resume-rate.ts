/**
 * resume-rate: resumes a second on one chat node. N users log in (cheap hashes: set-up only), drop
 * their connections, then all open a new one and send `resume {token}` with the token of their
 * login, `concurrency` at a time: the time from the first open to the last reply. The reference is
 * the raw relay opening as many connections with one `login` round trip each: the ratio says what
 * share of the transport's connect rate a resume (HMAC check, Redis, session) leaves. Issue target:
 * 2,000 resumes on one node in under 5 s. BENCH_RESUME_USERS (2000), BENCH_RESUME_CONCURRENCY (200).
 */
import { int } from '../settings.js';
import { NO_MESSAGES, type Measure, type MeasureContext, type MeasureReport } from './measure.js';
import { perSecond, round, span } from './ops-harness.js';
import { fleetFor, logInBatch, loginTimeoutMs, rawConnectRate, withOneNode } from './ops-rates.js';

/** The target: this many resumes on one node … */
const TARGET_RESUMES = 2000;
/** … within this many seconds. */
const TARGET_SECONDS = 5;
/** Set-up logins at once (cheap hashes). */
const SETUP_CONCURRENCY = 100;

function resumeSettings() {
  return { count: int('BENCH_RESUME_USERS', 2000, 1, 19_900), concurrency: int('BENCH_RESUME_CONCURRENCY', 200, 1, 10_000) };
}

async function run(context: MeasureContext): Promise<MeasureReport> {
  const { count, concurrency } = resumeSettings();
  const raw = await rawConnectRate(context, 'resume', count, concurrency);
  const node = await withOneNode(context, 'resume', count, async (_node, users, died) => {
    const fleet = fleetFor(count, context, 'resume');
    try {
      await logInBatch(fleet, users, SETUP_CONCURRENCY, died);
      const perGenerator = Math.max(1, Math.round(concurrency / fleet.size));
      const replies = await Promise.race([died, fleet.ask('resume', () => ({ kind: 'resume', concurrency: perGenerator }), loginTimeoutMs(count))]);
      const resumed = replies.reduce((n, r) => n + r.resumed, 0);
      const passwordLogins = replies.reduce((n, r) => n + r.passwordLogins, 0);
      if (resumed + passwordLogins !== count) throw new Error(`${resumed + passwordLogins} of ${count} users logged in again`);
      const ms = span(replies);
      return { perSec: perSecond(count, ms), ms, passwordLogins };
    } finally {
      await fleet.close();
    }
  });
  const ratio = node.perSec / raw.perSec;
  const secondsForTarget = TARGET_RESUMES / node.perSec;
  return {
    counts: NO_MESSAGES,
    figures: {
      users: count,
      concurrency,
      resumes_per_s: round(node.perSec),
      resume_s: round(node.ms / 1000, 2),
      refused_then_password: node.passwordLogins,
      raw_connects_per_s: round(raw.perSec),
      ratio_to_raw: round(ratio, 3),
      s_per_2000_resumes: round(secondsForTarget, 2),
      meets_target: secondsForTarget < TARGET_SECONDS && node.passwordLogins === 0,
    },
    rows: [
      { server: 'raw relay (connect + login)', users: String(count), concurrency: String(concurrency), seconds: (raw.ms / 1000).toFixed(2), 'per s': raw.perSec.toFixed(0), 'x raw': '-', 'password fallbacks': '-' },
      { server: 'chat node (connect + resume)', users: String(count), concurrency: String(concurrency), seconds: (node.ms / 1000).toFixed(2), 'per s': node.perSec.toFixed(0), 'x raw': ratio.toFixed(3), 'password fallbacks': String(node.passwordLogins) },
    ],
  };
}

export const resumeRate: Measure = {
  name: 'resume-rate',
  checkSettings: resumeSettings,
  description: 'resumes a second on one chat node (connect + resume with the login\'s token), against the raw relay\'s connect + login rate',
  run,
};
