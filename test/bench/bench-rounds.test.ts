/**
 * BENCH_ROUNDS: the scenarios run in turn, round after round, each divided by the raw relay of its
 * own round, and the medians over the rounds come last. Tiny size: it checks the order and the
 * arithmetic a reader relies on, not how fast anything was.
 */
import test from 'ava';
import { median, type RoundsSummary } from '../../bench/rounds.js';
import { benchLines, runBench, tail } from './bench-process.js';

const DEADLINE_MS = 240_000;

const TINY_ROUNDS_ENV: Record<string, string> = {
  BENCH_SCENARIOS: 'raw,same-node',
  BENCH_ROUNDS: '2',
  BENCH_USERS: '4',
  BENCH_SECONDS: '1',
  BENCH_WARMUP_SECONDS: '0',
  BENCH_PIN: '0',
  BENCH_PIN_NOTE: 'rounds test',
  BENCH_MONGO_IDLE: '0',
};

function medianLines(stdout: string): RoundsSummary[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('BENCH_MEDIAN {'))
    .map((line) => JSON.parse(line.slice('BENCH_MEDIAN '.length)) as RoundsSummary);
}

test('median: the middle value, or the mean of the two middle ones', (t) => {
  t.is(median([]), null);
  t.is(median([7]), 7);
  t.is(median([30, 10, 20]), 20);
  t.is(median([40, 10, 30, 20]), 25);
});

test('with BENCH_ROUNDS=2 the scenarios run in turn twice, each round against its own raw relay, and the medians come last', async (t) => {
  t.timeout(DEADLINE_MS + 30_000);
  const run = await runBench(t, TINY_ROUNDS_ENV, DEADLINE_MS);
  t.true(!run.timedOut && run.code === 0, `the bench ${run.timedOut ? 'overran' : `exited with ${run.code ?? run.signal}`}\n${tail(run)}`);

  const lines = benchLines(run.stdout);
  t.deepEqual(
    lines.map((l) => `${l.scenario}#${String(l.round)}`),
    ['raw#1', 'same-node#1', 'raw#2', 'same-node#2'],
    `interleaved, raw first in each round\n${tail(run)}`,
  );
  for (const line of lines) {
    const name = `${line.scenario} round ${String(line.round)}`;
    t.true(line.ok, `${name}: ${line.error ?? ''}`);
    // Each round has users of its own: one that met the last round's inboxes would lose or repeat messages.
    t.is(line.lost, 0, `${name}: lost`);
    t.is(line.duplicated, 0, `${name}: duplicated`);
    t.true(Number(line.delivered) > 0, `${name}: delivered`);
  }

  const zkchat = lines.filter((l) => l.scenario === 'same-node');
  const raws = lines.filter((l) => l.scenario === 'raw');
  // Each round's ratio divides by that round's raw rate (the JSON rounds both to whole deliveries/s and 0.1 %).
  zkchat.forEach((line, i) => {
    const expected = (100 * Number(line.deliveriesPerSec)) / Number(raws[i]!.deliveriesPerSec);
    t.true(Math.abs(Number(line.ratioPct) - expected) <= 0.5 + expected * 0.01, `round ${i + 1}: ratio ${String(line.ratioPct)} against its own raw (${expected.toFixed(1)})`);
  });

  const medians = medianLines(run.stdout);
  t.deepEqual(medians.map((m) => m.scenario), ['raw', 'same-node'], `one median line per scenario\n${tail(run)}`);
  const sameNode = medians.find((m) => m.scenario === 'same-node')!;
  t.is(sameNode.rounds, 2);
  const ratios = zkchat.map((l) => Number(l.ratioPct));
  t.true(Math.abs(sameNode.ratioPct! - (ratios[0]! + ratios[1]!) / 2) <= 0.15, `median ratio ${String(sameNode.ratioPct)} of ${ratios.join(', ')}`);
  t.true(Math.abs(sameNode.ratioMinPct! - Math.min(...ratios)) <= 0.1 && Math.abs(sameNode.ratioMaxPct! - Math.max(...ratios)) <= 0.1, 'the spread is the rounds\' lowest and highest ratio');
  t.is(medians.find((m) => m.scenario === 'raw')!.ratioPct, 100);
  t.regex(run.stdout, /medians over the rounds/);
});
