/**
 * `npm run bench` (scripts/bench.sh): zkchat against a raw `ws` relay measured in the same run.
 * First the closed-loop throughput scenarios (bench/scenarios.ts: private chats in pairs, one room's
 * fan-out), then the measures (bench/measures/: push, open-loop latency, operations), each with its
 * own servers, generator processes and raw reference. Environment: BENCH_SCENARIOS (all; names of
 * scenarios and measures), BENCH_SECONDS (30), BENCH_WARMUP_SECONDS (5: uncounted traffic before
 * each window), BENCH_ROUNDS (1: how many times the scenarios run in turn, see rounds.ts),
 * BENCH_USERS (300, pairs), BENCH_ROOM_MEMBERS (1000), BENCH_ROOM_SENDERS (see settings.ts),
 * BENCH_GENERATORS (pairs: one per 1,000 users); each measure reads its own sizes (README,
 * "Benchmark"); BENCH_NODE_ARGS / BENCH_GENERATOR_ARGS (Node.js options of the servers /
 * generators), BENCH_PIN / BENCH_PIN_NOTE (set by scripts/bench.sh), ZK_CONNECT, REDIS_URL,
 * MONGO_URL (set by scripts/services.mjs run).
 */
import { measureJsonLine, measureTable, type MeasureOutcome } from './measures/measure-report.js';
import { MEASURES } from './measures/registry.js';
import { stopAll } from './processes.js';
import { header, jsonLine, table, warnings, type Outcome } from './report.js';
import { summarize, summaryLine, summaryTable } from './rounds.js';
import { runChatEnv, runScenario, type ScenarioMeasurement } from './run-scenario.js';
import { SCENARIOS, type ScenarioName } from './scenarios.js';
import { loadSettings, SettingsError, type Settings } from './settings.js';

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

// Ctrl-C, SIGTERM, SIGHUP: stop every process we started, then go. A second signal does not wait
// (the exit hook in processes.ts still SIGKILLs what is left).
let stopping = false;
for (const signal of Object.keys(SIGNAL_NUMBERS) as NodeJS.Signals[]) {
  process.on(signal, () => {
    const code = 128 + SIGNAL_NUMBERS[signal]!;
    if (stopping) process.exit(code);
    stopping = true;
    process.stderr.write(`\nbench: ${signal}: stopping every process it started\n`);
    void stopAll().finally(() => process.exit(code));
  });
}

async function run(settings: Settings): Promise<number> {
  console.log(header(settings));
  const chatEnv = runChatEnv(settings);
  const outcomes: Outcome[] = [];
  const refsByRound = new Map<number, Map<ScenarioName, ScenarioMeasurement>>();
  for (let round = 1; round <= settings.rounds; round++) {
    const refs = new Map<ScenarioName, ScenarioMeasurement>();
    refsByRound.set(round, refs);
    for (const scenario of SCENARIOS.filter((s) => settings.scenarios.includes(s.name))) {
      console.log(`\n== ${scenario.name}${settings.rounds > 1 ? ` (round ${round} of ${settings.rounds})` : ''}: ${scenario.description}`);
      let outcome: Outcome;
      try {
        const m = await runScenario(scenario, settings, chatEnv, round);
        outcome = { scenario: scenario.name, round, ok: true, m };
        if (scenario.reference === scenario.name) refs.set(scenario.name, m);
      } catch (err) {
        outcome = { scenario: scenario.name, round, ok: false, error: err instanceof Error ? err.message : String(err) };
        console.error(`bench: ${scenario.name} FAILED: ${outcome.error}`);
      }
      if (stopping) return 1;
      outcomes.push(outcome);
      console.log(jsonLine(outcome, settings, refsByRound));
    }
  }
  const medians = settings.rounds > 1 ? summarize(outcomes, settings, refsByRound) : [];
  for (const summary of medians) console.log(summaryLine(summary));
  const measured: MeasureOutcome[] = [];
  for (const measure of MEASURES.filter((m) => settings.measures.includes(m.name))) {
    console.log(`\n== ${measure.name}: ${measure.description}`);
    let outcome: MeasureOutcome;
    try {
      outcome = { measure: measure.name, ok: true, report: await measure.run({ settings, chatEnv }) };
    } catch (err) {
      outcome = { measure: measure.name, ok: false, error: err instanceof Error ? err.message : String(err) };
      console.error(`bench: ${measure.name} FAILED: ${outcome.error}`);
    }
    if (stopping) return 1;
    measured.push(outcome);
    console.log(measureJsonLine(outcome));
  }
  if (outcomes.length > 0) console.log(`\n${table(outcomes, settings, refsByRound)}`);
  if (medians.length > 0) console.log(`\n${summaryTable(medians)}`);
  for (const o of measured) console.log(`\n${measureTable(o)}`);
  const notes = warnings(outcomes, settings);
  if (notes.length > 0) console.log(`\n${notes.join('\n')}`);
  return outcomes.every((o) => o.ok) && measured.every((o) => o.ok) ? 0 : 1;
}

let settings: Settings;
try {
  settings = loadSettings();
  for (const measure of MEASURES) if (settings.measures.includes(measure.name)) measure.checkSettings();
} catch (err) {
  console.error(`bench: ${err instanceof SettingsError ? err.message : String(err)}`);
  process.exit(2);
}
// After a signal, its handler stops everything and exits with the signal's code.
const finish = async (code: number) => {
  if (stopping) return;
  await stopAll();
  process.exit(code);
};
run(settings).then(finish, (err: unknown) => {
  console.error('bench: failed:', err);
  return finish(1);
});
