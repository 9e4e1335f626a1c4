/**
 * login-rate: logins a second on one chat node with the product's password hashing (scrypt at its
 * default cost, 16 MiB each), N users `concurrency` at a time, each opening a connection and
 * logging in. The reference is the raw relay doing the same (connection + one `login` round trip,
 * no hash): the ratio says what share of the transport's connect rate is left once every login
 * hashes a password. BENCH_LOGIN_USERS (120), BENCH_LOGIN_CONCURRENCY (16).
 */
import { hashPassword } from '../../src/storage/password.js';
import { int } from '../settings.js';
import { NO_MESSAGES, type Measure, type MeasureContext, type MeasureReport } from './measure.js';
import { OPS_PASSWORD, round } from './ops-harness.js';
import { fleetFor, logInBatch, rawConnectRate, withOneNode } from './ops-rates.js';

function loginSettings() {
  return { count: int('BENCH_LOGIN_USERS', 120, 1, 19_900), concurrency: int('BENCH_LOGIN_CONCURRENCY', 16, 1, 10_000) };
}

async function run(context: MeasureContext): Promise<MeasureReport> {
  const { count, concurrency } = loginSettings();
  const raw = await rawConnectRate(context, 'login', count, concurrency);
  // One real hash for all: each login verifies it at the product's full cost all the same.
  const passwordHash = await hashPassword(OPS_PASSWORD);
  const node = await withOneNode(context, 'login', count, async (_node, users, died) => {
    const fleet = fleetFor(count, context, 'login');
    try {
      return await logInBatch(fleet, users, concurrency, died);
    } finally {
      await fleet.close();
    }
  }, passwordHash);
  const ratio = node.perSec / raw.perSec;
  return {
    counts: NO_MESSAGES,
    figures: {
      users: count,
      concurrency,
      logins_per_s: round(node.perSec),
      login_s: round(node.ms / 1000, 2),
      raw_connects_per_s: round(raw.perSec),
      ratio_to_raw: round(ratio, 4),
    },
    rows: [
      { server: 'raw relay (connect + login, no hash)', users: String(count), concurrency: String(concurrency), seconds: (raw.ms / 1000).toFixed(2), 'per s': raw.perSec.toFixed(0), 'x raw': '-' },
      { server: 'chat node (connect + login, scrypt)', users: String(count), concurrency: String(concurrency), seconds: (node.ms / 1000).toFixed(2), 'per s': node.perSec.toFixed(1), 'x raw': ratio.toFixed(4) },
    ],
  };
}

export const loginRate: Measure = {
  name: 'login-rate',
  checkSettings: loginSettings,
  description: 'password logins a second on one chat node (scrypt at the product cost), against the raw relay\'s connect + login rate',
  run,
};
