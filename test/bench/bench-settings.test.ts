import test from 'ava';
import { benchLines, runBench } from './bench-process.js';

test('a measure setting out of range stops the bench before any scenario runs, naming the setting', async (t) => {
  // raw would run first for about a minute; the open-loop rates are only used at the very end.
  const run = await runBench(t, { BENCH_SCENARIOS: 'raw,open-loop', BENCH_OPEN_RATES: '1000,lots' }, 60_000);
  t.false(run.timedOut);
  t.is(run.code, 2, run.stderr);
  t.regex(run.stderr, /BENCH_OPEN_RATES must be integers/);
  t.deepEqual(benchLines(run.stdout), [], 'no scenario ran');
  t.notRegex(run.stdout, /== raw/);
});

test('BENCH_ROUNDS below 1 stops the bench before any scenario runs, naming the setting', async (t) => {
  const run = await runBench(t, { BENCH_SCENARIOS: 'raw', BENCH_ROUNDS: '0' }, 60_000);
  t.false(run.timedOut);
  t.is(run.code, 2, run.stderr);
  t.regex(run.stderr, /BENCH_ROUNDS must be an integer between 1 and 20, got "0"/);
  t.deepEqual(benchLines(run.stdout), [], 'no scenario ran');
});
